package io.llm4es.connectors.spark;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.SparkSession;

/**
 * A real standalone cluster on 127.0.0.1 from Maven Central's Spark jars: a Master and workers as
 * child JVMs, the caller's JVM as the driver. A worker started from jars alone needs a SPARK_HOME
 * to launch executors from: a temporary one whose jars/ links the class path's jars (the build's
 * class folders reach the executors through spark.executor.extraClassPath).
 */
final class StandaloneCluster implements AutoCloseable {
    private final Path dir;
    private final String classPath;
    private final Path sparkHome;
    private final List<Process> processes = new ArrayList<>();
    private final List<Process> workers = new ArrayList<>();
    final Process master;
    final String url;

    /** Starts a master and {@code workers} workers of one core and {@code workerMemory} each. */
    StandaloneCluster(Path dir, int workers, String workerMemory) throws Exception {
        this.dir = dir;
        this.classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        this.sparkHome = sparkHome(dir.resolve("spark-home"), classPath);
        int port = freePort();
        master = start(
                "master",
                "org.apache.spark.deploy.master.Master",
                "--host",
                "127.0.0.1",
                "--port",
                String.valueOf(port),
                "--webui-port",
                String.valueOf(freePort()));
        awaitLog(dir.resolve("master.log"), "I have been elected leader");
        url = "spark://127.0.0.1:" + port;
        for (int i = 0; i < workers; i++) {
            this.workers.add(start(
                    "worker" + i,
                    "org.apache.spark.deploy.worker.Worker",
                    "--host",
                    "127.0.0.1",
                    "--cores",
                    "1",
                    "--memory",
                    workerMemory,
                    "--webui-port",
                    String.valueOf(freePort()),
                    "--work-dir",
                    dir.resolve("work" + i).toString(),
                    url));
        }
        for (int i = 0; i < workers; i++) {
            awaitLog(dir.resolve("worker" + i + ".log"), "Successfully registered with master");
        }
    }

    Process worker(int i) {
        return workers.get(i);
    }

    /** A driver session with one executor of one core and {@code executorMemory} per worker. */
    SparkSession session(String appName, String executorMemory) throws InterruptedException {
        SparkSession spark = SparkSession.builder()
                .master(url)
                .appName(appName)
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.executor.memory", executorMemory)
                .config("spark.executor.cores", "1")
                .config("spark.cores.max", String.valueOf(workers.size()))
                .config("spark.executor.extraClassPath", classFolders(classPath))
                .config("spark.sql.shuffle.partitions", "8")
                .getOrCreate();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (spark.sparkContext().statusTracker().getExecutorInfos().length < workers.size() + 1) {
            if (System.nanoTime() > deadline) {
                spark.stop();
                throw new AssertionError("executors did not register");
            }
            Thread.sleep(200);
        }
        return spark;
    }

    @Override
    public void close() {
        for (Process p : processes) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }

    private Process start(String name, String mainClass, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(
                List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m"));
        cmd.addAll(List.of(System.getProperty("llm4es.spark.java17.flags", "").split(" ")));
        cmd.removeIf(String::isBlank);
        // INFO: readiness is read from the master's and workers' log lines
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
        Files.writeString(home.resolve("RELEASE"), "Spark from the class path\n");
        return home;
    }

    private static String classFolders(String classPath) {
        List<String> dirs = new ArrayList<>();
        for (String entry : classPath.split(File.pathSeparator)) {
            if (Files.isDirectory(Path.of(entry))) {
                // executors run in their worker's work directory
                dirs.add(Path.of(entry).toAbsolutePath().toString());
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

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
