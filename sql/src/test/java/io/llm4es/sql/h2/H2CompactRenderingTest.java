package io.llm4es.sql.h2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/** The compact rendering through SQL: serialize_events shows it, and an unknown rendering is 22023. */
class H2CompactRenderingTest {
    private static final String EVENT = "JSON_OBJECT('date': d, 'type': typ, 'mcc': mcc, 'amount': amount)";

    private static String serialize(Connection conn, String options) throws SQLException {
        try (Statement st = conn.createStatement();
                ResultSet rs = st.executeQuery(
                        "SELECT serialize_events(" + EVENT + ", d, 'stories260k', '" + options + "') FROM tx")) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void serializeEventsShowsTheCompactTextAndRefusesAnUnknownRendering() throws SQLException {
        try (Connection conn = DriverManager.getConnection("jdbc:h2:mem:compact")) {
            Llm4esH2.register(conn);
            try (Statement st = conn.createStatement()) {
                st.execute("CREATE TABLE tx(d DATE, typ VARCHAR, mcc INT, amount DECIMAL(12,2))");
                st.execute("INSERT INTO tx VALUES (DATE '2024-03-07', 'D', 5812, 31.20), "
                        + "(DATE '2024-03-01', 'C', 6012, 2500), (DATE '2024-03-04', 'D', 5411, 12.5)");
            }
            assertEquals("""
                    date|type|merchant category|amount
                    2024-03-01|credit|Salary and Transfers In|2500.00
                    +3d|debit|Grocery Stores, Supermarkets|12.50
                    +3d|debit|Eating Places, Restaurants|31.20""", serialize(conn, "{\"rendering\": \"compact\"}"));
            SQLException e = assertThrows(SQLException.class, () -> serialize(conn, "{\"rendering\": \"compakt\"}"));
            assertEquals("22023", e.getSQLState());
        }
    }
}
