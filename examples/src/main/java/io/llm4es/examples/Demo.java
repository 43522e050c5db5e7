package io.llm4es.examples;

import io.llm4es.connectors.PooledDatabase;
import io.llm4es.udf.embed.EmbeddingModel;
import io.llm4es.udf.embed.ModelCache;
import io.llm4es.udf.vector.Vectors;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The main job: an embedded H2 database of generated transactions, every user's embedding
 * computed by the SQL aggregate and stored in {@code user_embeddings}.
 */
public final class Demo {
    private Demo() {}

    public static void run(Map<String, String> opts) throws SQLException {
        int users = Integer.parseInt(opts.getOrDefault("users", "1000"));
        long seed = Long.parseLong(opts.getOrDefault("seed", "42"));
        String url = opts.getOrDefault("db", "jdbc:h2:mem:llm4es-demo;DB_CLOSE_DELAY=-1");
        String model = opts.get("model");
        String modelArg = model == null ? "" : ", '" + model.replace("'", "''") + "'";
        EmbeddingModel loaded = ModelCache.byName(model);
        try (PooledDatabase db = PooledDatabase.h2(url, 2);
                Connection conn = db.connection()) {
            int rows = DemoTransactions.create(conn, users, seed);
            System.out.printf(Locale.ROOT, "database %s: %d transactions of %d users%n", url, rows, users);
            System.out.printf(
                    Locale.ROOT,
                    "model %s (%s, dim %d, device %s)%n",
                    loaded.versionTag(),
                    loaded.bundle().source().describe(),
                    loaded.manifest().embeddingDim(),
                    loaded.device().name().toLowerCase(Locale.ROOT));
            String sql = "INSERT INTO user_embeddings SELECT user_id, user_embedding(" + DemoTransactions.EVENT + ", ts"
                    + modelArg + "), '" + loaded.versionTag() + "' FROM transactions GROUP BY user_id";
            System.out.println(sql);
            try (Statement st = conn.createStatement()) {
                st.execute("CREATE TABLE user_embeddings(user_id INT PRIMARY KEY, embedding REAL ARRAY NOT NULL, "
                        + "model_version VARCHAR NOT NULL)");
                long start = System.nanoTime();
                int embedded = st.executeUpdate(sql);
                double seconds = (System.nanoTime() - start) / 1e9;
                printNeighbourCheck(conn, seed);
                System.out.printf(
                        Locale.ROOT,
                        "embedded %d users (dim %d) in %.1f s%n",
                        embedded,
                        loaded.manifest().embeddingDim(),
                        seconds);
            }
        }
    }

    /** A sanity check that the vectors mean something: does a user's nearest neighbour share its persona? */
    static void printNeighbourCheck(Connection conn, long seed) throws SQLException {
        List<Integer> ids = new ArrayList<>();
        List<float[]> vectors = new ArrayList<>();
        try (Statement st = conn.createStatement();
                ResultSet rs = st.executeQuery("SELECT user_id, embedding FROM user_embeddings ORDER BY user_id")) {
            while (rs.next()) {
                ids.add(rs.getInt(1));
                vectors.add(Vectors.fromObjects((Object[]) rs.getArray(2).getArray()));
            }
        }
        int same = 0;
        int[] perPersona = new int[DemoTransactions.Persona.values().length];
        for (int i = 0; i < ids.size(); i++) {
            perPersona[DemoTransactions.personaOf(ids.get(i), seed).ordinal()]++;
            int best = -1;
            double bestCos = -2;
            for (int j = 0; j < ids.size(); j++) {
                Double cos = j == i ? null : Vectors.cosineSimilarity(vectors.get(i), vectors.get(j));
                double c = cos == null ? -2 : cos;
                if (c > bestCos) {
                    bestCos = c;
                    best = j;
                }
            }
            if (DemoTransactions.personaOf(ids.get(i), seed) == DemoTransactions.personaOf(ids.get(best), seed)) {
                same++;
            }
        }
        double chance = 0;
        for (int n : perPersona) {
            chance += (double) n / ids.size() * n / ids.size();
        }
        System.out.printf(
                Locale.ROOT,
                "nearest neighbour shares the user's spending persona: %.1f %% (chance %.1f %%)%n",
                100.0 * same / ids.size(),
                100 * chance);
    }
}
