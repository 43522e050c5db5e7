package io.llm4es.sql;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * One table, {@code tx(u INT, ts TIMESTAMP, ev VARCHAR)}, with the same DDL and rows in every
 * engine: events are JSON text, which both H2 and DuckDB hand to the serializer unchanged.
 */
public final class Transactions {
    static final String[] MCC = {"5411", "5812", "5541", "6011", "4900", "7832"};

    private Transactions() {}

    public record Row(int user, LocalDateTime ts, String event) {}

    public static String event(LocalDateTime ts, String type, String mcc, String amount) {
        return "{\"date\":\"" + ts.toLocalDate() + "\",\"type\":\"" + type + "\",\"mcc\":\"" + mcc + "\",\"amount\":"
                + amount + "}";
    }

    /** users 1..n, 1..maxEvents events each, deterministic for a seed. */
    public static List<Row> random(int users, int maxEvents, long seed) {
        Random rnd = new Random(seed);
        List<Row> rows = new ArrayList<>();
        for (int u = 1; u <= users; u++) {
            int n = 1 + rnd.nextInt(maxEvents);
            for (int e = 0; e < n; e++) {
                LocalDateTime ts = LocalDateTime.of(2024, 1, 1, 0, 0).plusHours(rnd.nextInt(24 * 300));
                String amount = (rnd.nextInt(100000) / 100) + "." + (10 + rnd.nextInt(90));
                rows.add(new Row(
                        u, ts, event(ts, rnd.nextInt(4) == 0 ? "C" : "D", MCC[rnd.nextInt(MCC.length)], amount)));
            }
        }
        return rows;
    }

    public static void create(Connection c, List<Row> rows) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("CREATE TABLE tx(u INT, ts TIMESTAMP, ev VARCHAR)");
        }
        insert(c, rows);
    }

    public static void insert(Connection c, List<Row> rows) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO tx VALUES (?, ?, ?)")) {
            for (Row r : rows) {
                ps.setInt(1, r.user());
                ps.setTimestamp(2, r.ts() == null ? null : Timestamp.valueOf(r.ts()));
                ps.setString(3, r.event());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }
}
