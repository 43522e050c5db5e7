package io.llm4es.connectors.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llm4es.sql.h2.Llm4esH2;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bulk job on a real standalone cluster ({@link StandaloneCluster}: a Master and two Workers
 * as child JVMs, this JVM as the driver). One worker is killed, with its executor, while the bulk
 * job's embedding stage runs.
 */
class StandaloneClusterTest {
    static final SyntheticEvents DATA = SyntheticEvents.of(200, 10, 23);
    StandaloneCluster cluster;

    @AfterEach
    void stopCluster() {
        LocalSpark.stop();
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void bulkJobSurvivesALostWorker(@TempDir Path dir) throws Exception {
        Map<Integer, float[]> expected;
        try (Connection c = Llm4esH2.open("jdbc:h2:mem:cluster-expected")) {
            DATA.toH2(c);
            expected = SyntheticEvents.h2Embeddings(c);
        }
        cluster = new StandaloneCluster(dir, 2, "640m");
        assertTrue(cluster.master.isAlive());

        LocalSpark.stop();
        SparkSession spark = cluster.session("llm4es-cluster-test", "512m");
        try {
            Path input = dir.resolve("events.parquet");
            DATA.toSpark(spark).repartition(2).write().parquet(input.toString());
            WorkerKiller killer = new WorkerKiller(cluster.worker(0));
            spark.sparkContext().addSparkListener(killer);
            long users = BulkEmbeddingJob.run(spark, BulkOptions.parse(new String[] {
                "--input",
                input.toString(),
                "--partitions",
                "8",
                "--window-tokens",
                "256",
                "--output",
                dir.resolve("out.parquet").toString()
            }));
            assertTrue(killer.killed.get(), "the worker was not killed during the job");
            assertTrue(killer.removedBeforeEnd.get() > 0, "no executor was lost while the job ran");
            assertEquals(expected.size(), users);
            BulkEmbeddingJobTest.assertSameAsH2(
                    spark.read().parquet(dir.resolve("out.parquet").toString()).collectAsList(), expected);
        } finally {
            spark.stop();
        }
    }

    /** Kills the worker (and the executor it launched) when the first task of the job's last stage starts. */
    static final class WorkerKiller extends SparkListener {
        final Process worker;
        final AtomicBoolean killed = new AtomicBoolean();
        final AtomicInteger removedBeforeEnd = new AtomicInteger();
        volatile int lastStage = -1;
        volatile boolean jobRunning;

        WorkerKiller(Process worker) {
            this.worker = worker;
        }

        @Override
        public void onJobStart(SparkListenerJobStart job) {
            if (!killed.get()) {
                lastStage = (Integer) scala.jdk.javaapi.CollectionConverters.asJava(job.stageIds()).stream()
                        .mapToInt(i -> (Integer) i)
                        .max()
                        .orElse(-1);
                jobRunning = true;
            }
        }

        @Override
        public void onTaskStart(SparkListenerTaskStart task) {
            if (task.stageId() == lastStage && killed.compareAndSet(false, true)) {
                worker.descendants().forEach(ProcessHandle::destroyForcibly);
                worker.destroyForcibly();
            }
        }

        @Override
        public void onExecutorRemoved(SparkListenerExecutorRemoved removed) {
            if (killed.get() && jobRunning) {
                removedBeforeEnd.incrementAndGet();
            }
        }

        @Override
        public void onJobEnd(SparkListenerJobEnd end) {
            jobRunning = false;
        }
    }
}
