package io.llm4es.connectors.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llm4es.sql.h2.Llm4esH2;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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
 * A real standalone cluster on 127.0.0.1 from Maven Central's Spark jars: a Master and two
 * Workers as child JVMs, the test JVM as the driver. A worker started from jars alone needs a
 * SPARK_HOME to launch executors from: a temporary one whose jars/ links the test class path's
 * jars (the build's class folders reach the executors through spark.executor.extraClassPath).
 * One worker is killed, with its executor, while the bulk job's embedding stage runs.
 */
class StandaloneClusterTest {
    static final SyntheticEvents DATA = SyntheticEvents.of(200, 10, 23);
    final List<Process> processes = new ArrayList<>();

    @AfterEach
    void stopCluster() {
        LocalSpark.stop();
        for (Process p : processes) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }

    @Test
    void bulkJobSurvivesALostWorker(@TempDir Path dir) throws Exception {
        Map<Integer, float[]> expected;
        try (Connection c = Llm4esH2.open("jdbc:h2:mem:cluster-expected")) {
            DATA.toH2(c);
            expected = SyntheticEvents.h2Embeddings(c);
        }
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path sparkHome = sparkHome(dir.resolve("spark-home"), classPath);
        int port = freePort();
        Process master = start(
                dir,
                "master",
                sparkHome,
                classPath,
                "org.apache.spark.deploy.master.Master",
                "--host",
                "127.0.0.1",
                "--port",
                String.valueOf(port),
                "--webui-port",
                String.valueOf(freePort()));
        awaitLog(dir.resolve("master.log"), "I have been elected leader");
        String url = "spark://127.0.0.1:" + port;
        Process[] workers = new Process[2];
        for (int i = 0; i < 2; i++) {
            workers[i] = start(
                    dir,
                    "worker" + i,
                    sparkHome,
                    classPath,
                    "org.apache.spark.deploy.worker.Worker",
                    "--host",
                    "127.0.0.1",
                    "--cores",
                    "1",
                    "--memory",
                    "640m",
                    "--webui-port",
                    String.valueOf(freePort()),
                    "--work-dir",
                    dir.resolve("work" + i).toString(),
                    url);
        }
        for (int i = 0; i < 2; i++) {
            awaitLog(dir.resolve("worker" + i + ".log"), "Successfully registered with master");
        }
        assertTrue(master.isAlive());

        LocalSpark.stop();
        SparkSession spark = SparkSession.builder()
                .master(url)
                .appName("llm4es-cluster-test")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.executor.memory", "512m")
                .config("spark.executor.cores", "1")
                .config("spark.cores.max", "2")
                .config("spark.executor.extraClassPath", classFolders(classPath))
                .config("spark.sql.shuffle.partitions", "8")
                .getOrCreate();
        try {
            awaitExecutors(spark, 2);
            Path input = dir.resolve("events.parquet");
            DATA.toSpark(spark).repartition(2).write().parquet(input.toString());
            WorkerKiller killer = new WorkerKiller(workers[0]);
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

    private Process start(Path dir, String name, Path sparkHome, String classPath, String mainClass, String... args)
            throws IOException {
        List<String> cmd = new ArrayList<>(
                List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m"));
        cmd.addAll(List.of(System.getProperty("llm4es.spark.java17.flags", "").split(" ")));
        cmd.removeIf(String::isBlank);
        // INFO: the test waits for the master's and workers' readiness lines
        Path logConfig = dir.resolve("log4j2-cluster.properties");
        Files.writeString(
                logConfig,
                "rootLogger.level = info\nrootLogger.appenderRef.stdout.ref = console\n"
                        + "appender.console.type = Console\nappender.console.name = console\n"
                        + "appender.console.layout.type = PatternLayout\nappender.console.layout.pattern = %d %p %c{1}: %m%n\n");
        cmd.add("-Dlog4j2.configurationFile=" + logConfig.toUri());
        cmd.addAll(List.of("-cp", classPath, mainClass));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile());
        pb.environment().put("SPARK_HOME", sparkHome.toString());
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        pb.environment().put("SPARK_SCALA_VERSION", "2.13");
        Process p = pb.start();
        processes.add(p);
        return p;
    }

    private static Path sparkHome(Path home, String classPath) throws IOException {
        Path jars = Files.createDirectories(home.resolve("jars"));
        for (String entry : classPath.split(File.pathSeparator)) {
            Path p = Path.of(entry);
            if (entry.endsWith(".jar") && Files.isRegularFile(p)) {
                Path link = jars.resolve(p.getFileName());
                if (!Files.exists(link)) {
                    Files.createSymbolicLink(link, p.toAbsolutePath());
                }
            }
        }
        Files.writeString(home.resolve("RELEASE"), "Spark from the test class path\n");
        return home;
    }

    private static String classFolders(String classPath) {
        List<String> dirs = new ArrayList<>();
        for (String entry : classPath.split(File.pathSeparator)) {
            if (Files.isDirectory(Path.of(entry))) {
                dirs.add(entry);
            }
        }
        return String.join(File.pathSeparator, dirs);
    }

    private static void awaitLog(Path log, String line) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (Files.exists(log) && Files.readString(log).contains(line)) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError(
                "no '" + line + "' in " + log + ":\n" + (Files.exists(log) ? Files.readString(log) : ""));
    }

    private static void awaitExecutors(SparkSession spark, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (spark.sparkContext().statusTracker().getExecutorInfos().length < n + 1) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("executors did not register");
            }
            Thread.sleep(200);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
