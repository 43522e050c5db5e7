package io.llm4es.examples;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The bulk paths at a size: demo users with a fixed number of events, generated once into an H2
 * file and a DuckDB file (kept in {@code --dir} for the next run), then each path run by the CLI
 * jar in a child JVM of its own, one after the other, and every user read back from what it wrote.
 * Peak RSS is the child's {@code VmHWM}, read every 100 ms until it exits; heap figures come from
 * its GC log: the largest occupancy after a collection (what stayed live) and before one (what was
 * in use when the collector had to run). A run without a collection has no heap figure.
 */
final class ScaleBenchmark {
    /** The README's headline query, H2's form. */
    static String h2Query(String model) {
        return "SELECT user_id, user_embedding(" + DemoTransactions.EVENT + ", ts, '" + model + "') AS emb "
                + "FROM transactions GROUP BY user_id";
    }

    /**
     * The headline query with its result typed: H2 declares a user aggregate's ARRAY without an
     * element type, and a result large enough to spill to H2's temporary store cannot be read back.
     */
    static String h2QueryCast(String model) {
        return "SELECT user_id, CAST(user_embedding(" + DemoTransactions.EVENT + ", ts, '" + model
                + "') AS REAL ARRAY) AS emb FROM transactions GROUP BY user_id";
    }

    /** The same query in DuckDB's form (a struct for the event). */
    static String duckdbQuery(String model) {
        return "SELECT user_id, user_embedding({'date': ts, 'type': type, 'mcc': mcc, 'amount': amount}, ts, '" + model
                + "') AS emb FROM transactions GROUP BY user_id";
    }

    static final String H2_SOURCE = "SELECT user_id, " + DemoTransactions.EVENT + ", ts FROM transactions";
    static final String DUCKDB_SOURCE =
            "SELECT user_id, json_object('date', ts, 'type', type, 'mcc', mcc, 'amount', amount), ts FROM transactions";
    static final List<String> PATHS = List.of(
            "h2-group-by",
            "h2-group-by-cast",
            "duckdb",
            "materialize",
            "materialize-duckdb",
            "export-text",
            "export-text-duckdb");
    private static final Pattern GC_PAUSE = Pattern.compile("(\\d+)([KMG])->(\\d+)([KMG])\\((\\d+)([KMG])\\)");
    private static final ObjectMapper JSON = new ObjectMapper();

    private ScaleBenchmark() {}

    static void run(Map<String, String> opts) throws Exception {
        int users = Integer.parseInt(opts.getOrDefault("users", "10000"));
        int events = Integer.parseInt(opts.getOrDefault("events", "3"));
        long seed = Long.parseLong(opts.getOrDefault("seed", "42"));
        String xmx = opts.getOrDefault("xmx", "1g");
        Model model = new Model(opts.getOrDefault("model", "stories260k"), opts.get("models-dir"));
        Path dir = Path.of(opts.getOrDefault("dir", "target/bench-scale")).toAbsolutePath();
        Path jar = Path.of(opts.getOrDefault("jar", "connectors/target/llm4es.jar"))
                .toAbsolutePath();
        List<String> paths = List.of(
                opts.getOrDefault("paths", "h2-group-by,duckdb,materialize").split(","));
        for (String p : paths) {
            if (!PATHS.contains(p)) {
                throw new IllegalArgumentException("unknown path " + p + " (paths: " + String.join(",", PATHS) + ")");
            }
        }
        if (!Files.isRegularFile(jar)) {
            throw new IllegalArgumentException("no CLI jar at " + jar + " (mvn -B -ntp -q package -DskipTests)");
        }
        Files.createDirectories(dir);
        String size = users + "x" + events;
        Path h2 = dir.resolve("h2-" + size + "-seed" + seed);
        Path duck = dir.resolve("duck-" + size + "-seed" + seed + ".duckdb");
        generate(h2, duck, users, events, seed);
        System.out.printf(
                Locale.ROOT,
                "%d users x %d events (seed %d), model %s, -Xmx%s, %d cores, java %s%n",
                users,
                events,
                seed,
                model.name(),
                xmx,
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"));
        System.out.printf(
                Locale.ROOT,
                "%-19s %9s %9s %10s %15s %15s %12s %9s %10s %s%n",
                "path",
                "users",
                "wall s",
                "users/s",
                "heap after GC",
                "heap before GC",
                "peak RSS",
                "GCs/full",
                "read back",
                "load avg start/end");
        for (String path : paths) {
            Run r = runPath(path, dir, jar, h2, duck, size, xmx, model);
            int back = readBack(path, r.output(), users);
            System.out.printf(
                    Locale.ROOT,
                    "%-19s %9d %9.1f %10.1f %15s %15s %12s %9s %10s %s/%s%n",
                    path,
                    users,
                    r.seconds(),
                    users / r.seconds(),
                    mb(r.gc().maxAfter()),
                    mb(r.gc().maxBefore()),
                    mb(r.peakRssBytes()),
                    r.gc().pauses() + "/" + r.gc().full(),
                    back == users ? "all " + back : back + " of " + users,
                    r.loadStart(),
                    r.loadEnd());
        }
    }

    /** The H2 file and the DuckDB file with the same rows; made once per size and seed, under a temporary name. */
    static void generate(Path h2, Path duck, int users, int events, long seed) throws SQLException, IOException {
        Path h2File = Path.of(h2 + ".mv.db");
        if (!Files.exists(h2File)) {
            long t = System.nanoTime();
            Path partial = Path.of(h2 + "-partial");
            Files.deleteIfExists(Path.of(partial + ".mv.db"));
            try (Connection conn = DriverManager.getConnection("jdbc:h2:" + partial)) {
                DemoTransactions.create(conn, users, seed, events);
            }
            Files.move(Path.of(partial + ".mv.db"), h2File, StandardCopyOption.ATOMIC_MOVE);
            System.out.printf(Locale.ROOT, "generated %s in %.1f s%n", h2File, (System.nanoTime() - t) / 1e9);
        }
        if (!Files.exists(duck)) {
            long t = System.nanoTime();
            // the DuckDB file gets H2's rows, through a CSV file DuckDB reads in bulk
            Path csv = Path.of(duck + ".csv");
            try (Connection conn = DriverManager.getConnection("jdbc:h2:" + h2 + ";IFEXISTS=TRUE");
                    Statement st = conn.createStatement()) {
                st.execute("CALL CSVWRITE('" + csv + "', 'SELECT * FROM transactions ORDER BY user_id, ts')");
            }
            Path partial = Path.of(duck + "-partial");
            Files.deleteIfExists(partial);
            try (Connection conn = DriverManager.getConnection("jdbc:duckdb:" + partial);
                    Statement st = conn.createStatement()) {
                st.execute(DemoTransactions.TABLE_DDL);
                st.execute("INSERT INTO transactions SELECT * FROM read_csv('" + csv + "', header = true, "
                        + "columns = {'USER_ID': 'INT', 'TS': 'DATE', 'TYPE': 'VARCHAR', 'MCC': 'VARCHAR', "
                        + "'AMOUNT': 'DECIMAL(12,2)'})");
            }
            Files.delete(csv);
            Files.move(partial, duck, StandardCopyOption.ATOMIC_MOVE);
            System.out.printf(Locale.ROOT, "generated %s in %.1f s%n", duck, (System.nanoTime() - t) / 1e9);
        }
    }

    /** What one child JVM did: its wall time, its peak RSS, its GC log's figures, the load average around it. */
    record Run(double seconds, long peakRssBytes, GcFigures gc, Path output, String loadStart, String loadEnd) {}

    /** The model every path embeds with: a bundle name, and the models directory the child JVMs get (null: theirs). */
    record Model(String name, String dir) {}

    static Run runPath(String path, Path dir, Path jar, Path h2, Path duck, String size, String xmx, Model model)
            throws IOException, InterruptedException {
        String m = model.name();
        Path out = dir.resolve(path + "-" + size + (path.startsWith("export-text") ? ".jsonl" : ".csv"));
        Path target = dir.resolve("target-" + path + "-" + size);
        Files.deleteIfExists(out);
        // a fresh target each time: a rerun into the same table would skip every unchanged user
        Files.deleteIfExists(Path.of(target + ".mv.db"));
        List<String> args = switch (path) {
            case "h2-group-by" ->
                List.of("query", "--db", "jdbc:h2:" + h2, "--sql", h2Query(m), "--out", out.toString());
            case "h2-group-by-cast" ->
                List.of("query", "--db", "jdbc:h2:" + h2, "--sql", h2QueryCast(m), "--out", out.toString());
            case "duckdb" ->
                List.of("query", "--db", "jdbc:duckdb:" + duck, "--sql", duckdbQuery(m), "--out", out.toString());
            case "materialize" -> materialize("jdbc:h2:" + h2, H2_SOURCE, target, m);
            case "materialize-duckdb" -> materialize("jdbc:duckdb:" + duck, DUCKDB_SOURCE, target, m);
            case "export-text" -> exportText("jdbc:h2:" + h2, H2_SOURCE, out, m);
            case "export-text-duckdb" -> exportText("jdbc:duckdb:" + duck, DUCKDB_SOURCE, out, m);
            default -> throw new IllegalArgumentException(path);
        };
        Path gcLog = dir.resolve(path + "-" + size + ".gc.log");
        Path stderr = dir.resolve(path + "-" + size + ".stderr");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + xmx,
                "-Xlog:gc:file=" + gcLog));
        if (model.dir() != null) {
            command.add("-Dllm4es.models.dir=" + Path.of(model.dir()).toAbsolutePath());
        }
        command.addAll(List.of("-jar", jar.toString()));
        command.addAll(args);
        String loadStart = loadAverage();
        long t = System.nanoTime();
        Process p = new ProcessBuilder(command)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(stderr.toFile())
                .start();
        // a benchmark stopped by a timeout must not leave its child running
        Thread killChild = new Thread(p::destroyForcibly);
        Runtime.getRuntime().addShutdownHook(killChild);
        long peak = 0;
        Path status = Path.of("/proc", String.valueOf(p.pid()), "status");
        while (!p.waitFor(100, TimeUnit.MILLISECONDS)) {
            peak = Math.max(peak, highWaterMark(status));
        }
        double seconds = (System.nanoTime() - t) / 1e9;
        Runtime.getRuntime().removeShutdownHook(killChild);
        if (p.exitValue() != 0) {
            throw new IllegalStateException(path + " exited with " + p.exitValue() + ": " + Files.readString(stderr));
        }
        return new Run(
                seconds,
                peak,
                GcFigures.of(gcLog),
                path.startsWith("materialize") ? target : out,
                loadStart,
                loadAverage());
    }

    private static List<String> exportText(String sourceDb, String sourceSql, Path out, String model) {
        return List.of("export-text", "--db", sourceDb, "--sql", sourceSql, "--model", model, "--out", out.toString());
    }

    private static List<String> materialize(String sourceDb, String sourceSql, Path target, String model) {
        return List.of(
                "materialize",
                "--source-db",
                sourceDb,
                "--sql",
                sourceSql,
                "--target-db",
                "jdbc:h2:" + target,
                "--table",
                "user_emb",
                "--model",
                model);
    }

    /** The users that came back, each exactly once with an embedding; a user missing, twice or empty fails. */
    static int readBack(String path, Path output, int users) throws IOException, SQLException {
        BitSet seen = new BitSet(users + 1);
        if (path.startsWith("materialize")) {
            try (Connection conn = DriverManager.getConnection("jdbc:h2:" + output + ";IFEXISTS=TRUE");
                    Statement st = conn.createStatement()) {
                try (ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM user_emb_errors")) {
                    rs.next();
                    if (rs.getLong(1) != 0) {
                        throw new IllegalStateException(path + ": " + rs.getLong(1) + " users failed");
                    }
                }
                try (ResultSet rs = st.executeQuery("SELECT user_id, CARDINALITY(embedding) FROM user_emb")) {
                    while (rs.next()) {
                        mark(seen, Integer.parseInt(rs.getString(1)), rs.getInt(2) > 0, path);
                    }
                }
            }
            return seen.cardinality();
        }
        try (BufferedReader in = Files.newBufferedReader(output, StandardCharsets.UTF_8)) {
            if (path.startsWith("export-text")) {
                for (String line; (line = in.readLine()) != null; ) {
                    var row = JSON.readTree(line);
                    mark(
                            seen,
                            row.get("user_id").asInt(),
                            !row.path("text").asText().isEmpty(),
                            path);
                }
            } else {
                in.readLine(); // the header
                for (String line; (line = in.readLine()) != null; ) {
                    int comma = line.indexOf(',');
                    mark(seen, Integer.parseInt(line.substring(0, comma)), line.length() > comma + 2, path);
                }
            }
        }
        return seen.cardinality();
    }

    private static void mark(BitSet seen, int user, boolean filled, String path) {
        if (seen.get(user) || !filled) {
            throw new IllegalStateException(
                    path + ": user " + user + (filled ? " came back twice" : " came back empty"));
        }
        seen.set(user);
    }

    /** The heap figures of a {@code -Xlog:gc} file: largest before and after a pause, pauses, full pauses. */
    record GcFigures(long maxBefore, long maxAfter, int pauses, int full) {
        static GcFigures of(Path log) throws IOException {
            long before = -1;
            long after = -1;
            int pauses = 0;
            int full = 0;
            for (String line : Files.readAllLines(log)) {
                Matcher m = GC_PAUSE.matcher(line);
                if (!line.contains("Pause") || !m.find()) {
                    continue;
                }
                pauses++;
                full += line.contains("Pause Full") ? 1 : 0;
                before = Math.max(before, bytes(m.group(1), m.group(2)));
                after = Math.max(after, bytes(m.group(3), m.group(4)));
            }
            return new GcFigures(before, after, pauses, full);
        }

        private static long bytes(String n, String unit) {
            return Long.parseLong(n)
                    << switch (unit) {
                        case "K" -> 10;
                        case "M" -> 20;
                        default -> 30;
                    };
        }
    }

    private static long highWaterMark(Path status) {
        try {
            return ProcStatus.kb(status, "VmHWM") * 1024;
        } catch (IOException | RuntimeException e) {
            return 0; // the process ended between two reads
        }
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException e) {
            return "?";
        }
    }

    private static String mb(long bytes) {
        return bytes < 0 ? "no GC" : String.format(Locale.ROOT, "%,d MB", bytes >> 20);
    }
}
