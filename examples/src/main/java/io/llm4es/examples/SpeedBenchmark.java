package io.llm4es.examples;

import io.llm4es.connectors.PooledDatabase;
import io.llm4es.udf.embed.EmbeddingModel;
import io.llm4es.udf.embed.ModelCache;
import io.llm4es.udf.serialize.SerializedHistory;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Speed of the product path against the bare embedder, same model, same ONNX session, same
 * threads, same users, in one process: runs are interleaved and the median of each is reported,
 * since this machine is noisy.
 */
public final class SpeedBenchmark {
    private SpeedBenchmark() {}

    public static void run(Map<String, String> opts) throws SQLException {
        int users = Integer.parseInt(opts.getOrDefault("users", "1000"));
        int repeats = Integer.parseInt(opts.getOrDefault("repeats", "5"));
        String model = opts.get("model");
        EmbeddingModel m = ModelCache.byName(model);
        String modelArg = model == null ? "" : ", '" + model.replace("'", "''") + "'";
        try (PooledDatabase db = PooledDatabase.h2("jdbc:h2:mem:llm4es-bench;DB_CLOSE_DELAY=-1", 2);
                Connection conn = db.connection()) {
            DemoTransactions.create(conn, users, 7);
            String sql = "SELECT user_id, user_embedding(" + DemoTransactions.EVENT + ", ts" + modelArg
                    + ") FROM transactions GROUP BY user_id";
            List<List<String>> events = eventsPerUser(conn);
            List<SerializedHistory> prepared = serializeAll(m, events);
            long tokens = prepared.stream()
                    .mapToLong(h -> h.tokenIds().length + m.manifest().specialTokens())
                    .sum();
            Map<String, double[]> seconds = new LinkedHashMap<>();
            seconds.put("SQL aggregate (H2)", new double[repeats]);
            seconds.put("Java: serialize + embed", new double[repeats]);
            seconds.put("Java: embed only (pre-tokenized)", new double[repeats]);
            timeSql(conn, sql); // warm-up: model load, JIT
            m.embed(prepared);
            for (int r = 0; r < repeats; r++) {
                seconds.get("SQL aggregate (H2)")[r] = timeSql(conn, sql);
                long t = System.nanoTime();
                m.embed(serializeAll(m, events));
                seconds.get("Java: serialize + embed")[r] = (System.nanoTime() - t) / 1e9;
                t = System.nanoTime();
                m.embed(prepared);
                seconds.get("Java: embed only (pre-tokenized)")[r] = (System.nanoTime() - t) / 1e9;
            }
            System.out.printf(
                    Locale.ROOT,
                    "model %s, %d users, %d tokens, ORT threads %d, %d cores, median of %d%n",
                    m.versionTag(),
                    users,
                    tokens,
                    ModelCache.threads(),
                    Runtime.getRuntime().availableProcessors(),
                    repeats);
            double base = median(seconds.get("Java: embed only (pre-tokenized)"));
            System.out.printf(Locale.ROOT, "%-34s %12s %10s %16s%n", "path", "tokens/s", "users/s", "time vs embed");
            for (Map.Entry<String, double[]> e : seconds.entrySet()) {
                double s = median(e.getValue());
                System.out.printf(
                        Locale.ROOT, "%-34s %12.0f %10.1f %15.2fx%n", e.getKey(), tokens / s, users / s, s / base);
            }
        }
    }

    static double timeSql(Connection conn, String sql) throws SQLException {
        long t = System.nanoTime();
        int n = 0;
        try (Statement st = conn.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                if (rs.getArray(2) != null) {
                    n++;
                }
            }
        }
        if (n == 0) {
            throw new IllegalStateException("no embeddings came back");
        }
        return (System.nanoTime() - t) / 1e9;
    }

    /** Each user's event JSON, oldest first, read once before timing. */
    public static List<List<String>> eventsPerUser(Connection conn) throws SQLException {
        List<List<String>> out = new ArrayList<>();
        int current = -1;
        try (Statement st = conn.createStatement();
                ResultSet rs = st.executeQuery("SELECT user_id, CAST(" + DemoTransactions.EVENT
                        + " AS VARCHAR) FROM transactions ORDER BY user_id, ts")) {
            while (rs.next()) {
                if (rs.getInt(1) != current) {
                    current = rs.getInt(1);
                    out.add(new ArrayList<>());
                }
                out.get(out.size() - 1).add(rs.getString(2));
            }
        }
        return out;
    }

    static List<SerializedHistory> serializeAll(EmbeddingModel m, List<List<String>> events) {
        List<SerializedHistory> out = new ArrayList<>(events.size());
        for (List<String> user : events) {
            List<String> lines = new ArrayList<>(user.size());
            for (String e : user) {
                lines.add(m.serializer().renderEvent(e));
            }
            out.add(m.serialize(lines));
        }
        return out;
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
