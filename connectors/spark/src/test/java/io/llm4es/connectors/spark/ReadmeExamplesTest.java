package io.llm4es.connectors.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every SQL example of connectors/README.md § Apache Spark runs as written; so does the bulk job's command line. */
class ReadmeExamplesTest {
    static final Path README = Path.of("..", "README.md");
    static SparkSession spark;
    static String section;

    @BeforeAll
    static void setUp() throws Exception {
        spark = LocalSpark.session();
        SyntheticEvents.of(6, 5, 3).toSpark(spark).createOrReplaceTempView("tx");
        String text = Files.readString(README);
        section = text.substring(text.indexOf("## Apache Spark"));
    }

    static List<String> blocks(String language) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("```" + language + "\\n(.*?)```", Pattern.DOTALL)
                .matcher(section);
        while (m.find()) {
            out.add(m.group(1).trim());
        }
        return out;
    }

    @Test
    void sqlExamplesRun() {
        List<String> sql = blocks("sql");
        assertEquals(3, sql.size(), "the README's Spark SQL examples");
        for (String q : sql) {
            List<Row> rows = spark.sql(q).collectAsList();
            assertFalse(rows.isEmpty(), q);
            for (Row r : rows) {
                for (int i = 0; i < r.size(); i++) {
                    boolean lenient = r.schema().fields()[i].name().equals("lenient");
                    assertEquals(
                            lenient,
                            r.isNullAt(i),
                            q + ": column " + r.schema().fields()[i].name());
                }
            }
        }
    }

    /**
     * The PySpark snippet's JVM side as written (PySpark cannot be installed on this project's
     * machines, so the Python lines themselves do not run): the configuration key it sets, the class
     * and method it calls through py4j on the session, and its SQL.
     */
    @Test
    void pysparkSnippetsJvmSideRuns() throws Exception {
        List<String> python = blocks("python");
        assertEquals(1, python.size(), "the README's PySpark snippet");
        String py = python.get(0);
        Matcher conf =
                Pattern.compile("\\.config\\(\"(spark\\.llm4es\\.[^\"]+)\"").matcher(py);
        assertTrue(conf.find(), py);
        assertEquals(SparkModels.DIR_CONF, conf.group(1));
        Matcher call = Pattern.compile("spark\\._jvm\\.([\\w.]+)\\.(\\w+)\\(spark\\._jsparkSession\\)")
                .matcher(py);
        assertTrue(call.find(), py);
        Class.forName(call.group(1))
                .getMethod(call.group(2), SparkSession.class)
                .invoke(null, spark);
        Matcher sql = Pattern.compile("spark\\.sql\\(\"([^\"]+)\"\\)").matcher(py);
        assertTrue(sql.find(), py);
        List<Row> rows = spark.sql(sql.group(1)).collectAsList();
        assertEquals(6, rows.size(), sql.group(1));
        assertFalse(rows.get(0).isNullAt(1), sql.group(1));
    }

    @Test
    void bulkJobCommandLineRuns(@TempDir Path dir) throws Exception {
        String shell = blocks("bash").get(0).replace("\\\n", " ");
        List<String> words = new ArrayList<>(Arrays.asList(shell.trim().split("\\s+")));
        assertEquals("spark-submit", words.get(0));
        String mainClass = words.get(words.indexOf("--class") + 1);
        Class.forName(mainClass).getMethod("main", String[].class);
        int jar = words.indexOf("connectors/spark/target/llm4es-spark.jar");
        assertTrue(jar > 0, shell);
        // the application's arguments as written, with /data/ moved into a temporary folder
        String[] args = words.subList(jar + 1, words.size()).stream()
                .map(w -> w.replace("/data/", dir.toString() + "/"))
                .toArray(String[]::new);
        SyntheticEvents data = SyntheticEvents.of(10, 5, 5);
        data.toSpark(spark).write().parquet(dir.resolve("events.parquet").toString());
        assertEquals(10, BulkEmbeddingJob.run(spark, BulkOptions.parse(args)));
    }
}
