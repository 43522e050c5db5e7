package io.llm4es.connectors.spark;

import org.apache.spark.sql.SparkSession;

/** One local[2] Spark session for the test classes of this JVM: a session costs seconds to start. */
final class LocalSpark {
    private static SparkSession session;

    private LocalSpark() {}

    static synchronized SparkSession session() {
        if (session == null) {
            session = SparkSession.builder()
                    .master("local[2]")
                    .appName("llm4es-test")
                    .config("spark.ui.enabled", "false")
                    .config("spark.driver.host", "127.0.0.1")
                    .config("spark.driver.bindAddress", "127.0.0.1")
                    .config("spark.sql.shuffle.partitions", "4")
                    .getOrCreate();
            Llm4esSpark.register(session);
        }
        return session;
    }

    /** Frees the JVM's one SparkContext for a test that needs another master. */
    static synchronized void stop() {
        if (session != null) {
            session.stop();
            session = null;
        }
    }
}
