package io.llm4es.examples;

import io.llm4es.connectors.PooledDatabase;
import io.llm4es.udf.embed.InferenceSlots;
import io.llm4es.udf.embed.ModelCache;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.management.ObjectName;

/**
 * Memory and time of C connections embedding at once: every connection runs the README's
 * headline GROUP BY over the same generated users of one in-memory H2 database, so each does the
 * serial run's work and its vectors must equal the serial run's bit for bit. Each C runs in a
 * fresh child JVM, so one's native peak never hides in another's: the peak resident set
 * (VmHWM) is the process's own, and native memory outside the JVM is RSS minus what the JVM's
 * native memory tracking accounts for (heap included).
 */
final class ConcurrencyBenchmark {
    private static final String SQL =
            "SELECT user_id, user_embedding(" + DemoTransactions.EVENT + ", ts) FROM transactions GROUP BY user_id";

    private ConcurrencyBenchmark() {}

    static void run(Map<String, String> opts) throws Exception {
        if (opts.containsKey("child")) {
            child(opts);
            return;
        }
        int users = Integer.parseInt(opts.getOrDefault("users", "200"));
        String heap = opts.getOrDefault("xmx", "1g");
        int[] counts = Arrays.stream(opts.getOrDefault("connections", "1,16").split(","))
                .mapToInt(s -> Integer.parseInt(s.trim()))
                .toArray();
        Path dir = Files.createTempDirectory("llm4es-concurrency");
        Path reference = dir.resolve("serial.vectors");
        System.out.printf(
                Locale.ROOT,
                "%d users, -Xmx%s, ORT threads %d, %d cores, each connection: %s%n",
                users,
                heap,
                ModelCache.threads(),
                Runtime.getRuntime().availableProcessors(),
                SQL);
        System.out.printf(
                Locale.ROOT,
                "%5s %6s %9s %8s %12s %9s %10s %10s %19s %9s %10s%n",
                "conns",
                "slots",
                "wall s",
                "users/s",
                "peak RSS MB",
                "vs serial",
                "heap MB",
                "JVM MB",
                "native MB load/end",
                "ORT peak",
                "mismatch");
        // the serial run first: it writes the vectors every other run is compared with
        List<Integer> order = new ArrayList<>();
        order.add(1);
        for (int c : counts) {
            if (c != 1) {
                order.add(c);
            }
        }
        double serialPeak = 0;
        for (int c : order) {
            List<String> cmd = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx" + heap,
                    "-XX:NativeMemoryTracking=summary",
                    // a committed heap page is then a resident one, so RSS minus the JVM's own is native
                    "-XX:+AlwaysPreTouch",
                    "-cp",
                    System.getProperty("java.class.path")));
            for (String p : System.getProperties().stringPropertyNames()) {
                if (p.startsWith("llm4es.")) {
                    cmd.add("-D" + p + "=" + System.getProperty(p));
                }
            }
            cmd.addAll(List.of(
                    Main.class.getName(),
                    "bench-concurrency",
                    "--child",
                    String.valueOf(c),
                    "--users",
                    String.valueOf(users),
                    "--reference",
                    reference.toString()));
            Process p = new ProcessBuilder(cmd)
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            String line = new String(p.getInputStream().readAllBytes()).trim();
            if (p.waitFor() != 0) {
                throw new IllegalStateException("the run with " + c + " connections failed: " + line);
            }
            String[] f = line.split(" ");
            double peak = Double.parseDouble(f[3]);
            if (c == 1) {
                serialPeak = peak;
            }
            System.out.printf(
                    Locale.ROOT,
                    "%5s %6s %9s %8s %12s %8.2fx %10s %10s %19s %9s %10s%n",
                    f[0],
                    f[1],
                    f[2],
                    String.format(Locale.ROOT, "%.1f", (double) users * c / Double.parseDouble(f[2])),
                    f[3],
                    peak / serialPeak,
                    f[4],
                    f[5],
                    f[6],
                    f[7],
                    f[8]);
        }
        Files.deleteIfExists(reference);
        Files.deleteIfExists(dir);
    }

    /** One measurement in this JVM; prints one line: conns slots wall peakRss heapPeak jvm nativeAtLoad/native ortPeak mismatches. */
    private static void child(Map<String, String> opts) throws Exception {
        int connections = Integer.parseInt(opts.get("child"));
        int users = Integer.parseInt(opts.get("users"));
        Path reference = Path.of(opts.get("reference"));
        String url = "jdbc:h2:mem:llm4es-concurrency;DB_CLOSE_DELAY=-1";
        ModelCache.byName(null);
        long nativeAtLoad = ProcStatus.kb(ProcStatus.SELF, "VmRSS") / 1024 - nmtCommittedKb() / 1024;
        try (PooledDatabase db = PooledDatabase.h2(url, connections + 1)) {
            try (Connection conn = db.connection()) {
                DemoTransactions.create(conn, users, 42);
            }
            List<Connection> conns = new ArrayList<>();
            for (int i = 0; i < connections; i++) {
                conns.add(db.connection());
            }
            CyclicBarrier start = new CyclicBarrier(connections);
            ExecutorService pool = Executors.newFixedThreadPool(connections);
            List<Future<Map<Integer, float[]>>> futures = new ArrayList<>();
            InferenceSlots.resetPeak();
            long t0 = System.nanoTime();
            for (Connection c : conns) {
                futures.add(pool.submit(() -> {
                    start.await(2, TimeUnit.MINUTES);
                    return embed(c);
                }));
            }
            List<Map<Integer, float[]>> results = new ArrayList<>();
            for (Future<Map<Integer, float[]>> f : futures) {
                results.add(f.get());
            }
            double wall = (System.nanoTime() - t0) / 1e9;
            pool.shutdown();
            if (connections == 1) {
                write(reference, results.get(0));
            }
            Map<Integer, float[]> serial = read(reference);
            int mismatches = 0;
            for (Map<Integer, float[]> r : results) {
                if (!r.keySet().equals(serial.keySet())) {
                    throw new IllegalStateException("users differ from the serial run");
                }
                for (Map.Entry<Integer, float[]> e : r.entrySet()) {
                    // Arrays.equals on float[] compares bits (floatToIntBits)
                    if (!Arrays.equals(e.getValue(), serial.get(e.getKey()))) {
                        mismatches++;
                    }
                }
            }
            for (Connection c : conns) {
                c.close();
            }
            long rss = ProcStatus.kb(ProcStatus.SELF, "VmHWM") / 1024;
            long heapPeak = heapPeakBytes() >> 20;
            long jvm = nmtCommittedKb() / 1024;
            long nativeOutside = ProcStatus.kb(ProcStatus.SELF, "VmRSS") / 1024 - jvm;
            System.out.printf(
                    Locale.ROOT,
                    "%d %d %.1f %d %d %d %d/%d %d %d/%d%n",
                    connections,
                    InferenceSlots.limit(),
                    wall,
                    rss,
                    heapPeak,
                    jvm,
                    nativeAtLoad,
                    nativeOutside,
                    InferenceSlots.peak(),
                    mismatches,
                    users * connections);
        }
    }

    private static Map<Integer, float[]> embed(Connection c) throws Exception {
        Map<Integer, float[]> out = new TreeMap<>();
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(SQL)) {
            while (rs.next()) {
                Array a = rs.getArray(2);
                Object[] values = (Object[]) a.getArray();
                float[] v = new float[values.length];
                for (int i = 0; i < v.length; i++) {
                    v[i] = ((Number) values[i]).floatValue();
                }
                out.put(rs.getInt(1), v);
            }
        }
        return out;
    }

    private static void write(Path file, Map<Integer, float[]> vectors) throws IOException {
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(file))) {
            out.writeInt(vectors.size());
            for (Map.Entry<Integer, float[]> e : vectors.entrySet()) {
                out.writeInt(e.getKey());
                out.writeInt(e.getValue().length);
                for (float x : e.getValue()) {
                    out.writeInt(Float.floatToRawIntBits(x));
                }
            }
        }
    }

    private static Map<Integer, float[]> read(Path file) throws IOException {
        Map<Integer, float[]> out = new TreeMap<>();
        try (DataInputStream in = new DataInputStream(Files.newInputStream(file))) {
            int n = in.readInt();
            for (int i = 0; i < n; i++) {
                int user = in.readInt();
                float[] v = new float[in.readInt()];
                for (int j = 0; j < v.length; j++) {
                    v[j] = Float.intBitsToFloat(in.readInt());
                }
                out.put(user, v);
            }
        }
        return out;
    }

    private static long heapPeakBytes() {
        long sum = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                sum += pool.getPeakUsage().getUsed();
            }
        }
        return sum;
    }

    /** What the JVM itself has committed (heap, metaspace, code, thread stacks, direct buffers), from its native memory tracking. */
    private static long nmtCommittedKb() throws Exception {
        String summary = (String) ManagementFactory.getPlatformMBeanServer()
                .invoke(
                        new ObjectName("com.sun.management:type=DiagnosticCommand"),
                        "vmNativeMemory",
                        new Object[] {new String[] {"summary"}},
                        new String[] {String[].class.getName()});
        for (String line : summary.split("\n")) {
            if (line.startsWith("Total:")) {
                // Total: reserved=...KB, committed=...KB
                String c = line.substring(line.indexOf("committed=") + "committed=".length());
                return Long.parseLong(c.substring(0, c.indexOf("KB")));
            }
        }
        throw new IllegalStateException("no total in the native memory summary");
    }
}
