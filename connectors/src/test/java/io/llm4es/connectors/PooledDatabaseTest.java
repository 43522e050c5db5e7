package io.llm4es.connectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PooledDatabaseTest {
    @Test
    void everyPooledConnectionCanEmbed() throws Exception {
        try (PooledDatabase db = PooledDatabase.h2("jdbc:h2:mem:pool;DB_CLOSE_DELAY=-1", 3)) {
            List<Connection> held = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    held.add(db.connection());
                }
                try (Statement st = held.get(0).createStatement()) {
                    st.execute("CREATE TABLE tx(u INT, d DATE, amount DECIMAL(10,2))");
                    st.execute("INSERT INTO tx VALUES (1, DATE '2024-01-01', 5), (1, DATE '2024-01-03', 7.5)");
                }
                for (Connection c : held) {
                    try (Statement st = c.createStatement();
                            ResultSet rs = st.executeQuery("SELECT CARDINALITY(user_embedding("
                                    + "JSON_OBJECT('date': d, 'amount': amount), d)) FROM tx")) {
                        assertTrue(rs.next());
                        assertEquals(64, rs.getInt(1));
                    }
                }
            } finally {
                for (Connection c : held) {
                    c.close();
                }
            }
        }
    }
}
