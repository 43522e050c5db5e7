package io.llm4es.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The same rows give the same text and the same embeddings in H2 and DuckDB. */
class CrossEngineTest {
    static List<Transactions.Row> rowsWithTies() {
        List<Transactions.Row> rows = new ArrayList<>(Transactions.random(40, 12, 7));
        // two events at one instant: ties are broken by the event's text, in every engine
        LocalDateTime t = LocalDateTime.of(2024, 5, 5, 12, 0);
        rows.add(new Transactions.Row(41, t, Transactions.event(t, "D", "5411", "9.99")));
        rows.add(new Transactions.Row(41, t, Transactions.event(t, "C", "6011", "50")));
        rows.add(new Transactions.Row(41, t.minusDays(1), Transactions.event(t.minusDays(1), "D", "4111", "2.5")));
        // a row without ts and one without event: skipped by every form that sees the keys
        rows.add(new Transactions.Row(41, null, Transactions.event(t.plusDays(1), "D", "5812", "4")));
        rows.add(new Transactions.Row(41, t, null));
        return rows;
    }

    static Map<Integer, String> texts(Connection c) throws SQLException {
        return texts(c, "serialize_events(ev, ts)");
    }

    static Map<Integer, String> texts(Connection c, String call) throws SQLException {
        Map<Integer, String> out = new LinkedHashMap<>();
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT u, " + call + " FROM tx GROUP BY u ORDER BY u")) {
            while (rs.next()) {
                out.put(rs.getInt(1), rs.getString(2));
            }
        }
        return out;
    }

    @Test
    void sameTextAndEmbeddingsInEveryEngine() throws SQLException {
        List<Transactions.Row> rows = rowsWithTies();
        try (Connection h2 = Engine.H2.open();
                Connection duck = Engine.DUCKDB.open()) {
            Transactions.create(h2, rows);
            Transactions.create(duck, rows);
            Map<Integer, String> h2Text = texts(h2);
            assertEquals(41, h2Text.size());
            assertEquals(h2Text, texts(duck));
            // DuckDB's keyed list form: the list's order among tied keys is DuckDB's, the text is not
            assertEquals(h2Text, texts(duck, "serialize_events_list(list(ev ORDER BY ts), list(ts ORDER BY ts))"));
            assertEquals(
                    "date|type|merchant category|amount\n"
                            + "2024-05-04, debit, Local Commuter Transport, 2.50\n"
                            + "2024-05-05, credit, Cash Withdrawal (ATM), 50.00\n"
                            + "2024-05-05, debit, Grocery Stores, Supermarkets, 9.99",
                    h2Text.get(41));
            String sql = "SELECT u, user_embedding(ev, ts) FROM tx GROUP BY u ORDER BY u";
            Map<Integer, float[]> a = EngineContractTest.byUser(h2, sql);
            Map<Integer, float[]> b = EngineContractTest.byUser(duck, sql);
            assertEquals(a.keySet(), b.keySet());
            Map<Integer, float[]> listed = EngineContractTest.byUser(
                    duck,
                    "SELECT u, user_embedding_list(list(ev ORDER BY ts), list(ts ORDER BY ts)) FROM tx "
                            + "GROUP BY u ORDER BY u");
            assertEquals(a.keySet(), listed.keySet());
            for (Integer u : a.keySet()) {
                EngineContractTest.assertSameEmbedding(a.get(u), b.get(u));
                EngineContractTest.assertSameEmbedding(a.get(u), listed.get(u));
            }
        }
    }
}
