package io.llm4es.examples;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.Random;

/**
 * Generated card transactions for the demo: each user follows one of a few spending personas,
 * so their embeddings have structure to find. Deterministic for a seed; ours to redistribute.
 */
public final class DemoTransactions {
    public enum Persona {
        COMMUTER(new String[] {"4111", "4111", "5541", "5812", "5411"}, 18, 3.5),
        FAMILY(new String[] {"5411", "5411", "5311", "5912", "4900"}, 30, 4.3),
        STUDENT(new String[] {"5812", "5812", "7832", "5999", "4111"}, 25, 2.5),
        SAVER(new String[] {"6011", "4900", "5411"}, 8, 4.8);

        final String[] mcc;
        final int meanEvents;
        final double logAmount;

        Persona(String[] mcc, int meanEvents, double logAmount) {
            this.mcc = mcc;
            this.meanEvents = meanEvents;
            this.logAmount = logAmount;
        }
    }

    public static final String TABLE_DDL = "CREATE TABLE transactions(user_id INT NOT NULL, ts DATE NOT NULL, "
            + "type VARCHAR(1) NOT NULL, mcc VARCHAR(4) NOT NULL, amount DECIMAL(12,2) NOT NULL)";
    /** The event as the bundled model's serializer expects it. */
    public static final String EVENT = "JSON_OBJECT('date': ts, 'type': type, 'mcc': mcc, 'amount': amount)";

    private DemoTransactions() {}

    public static Persona personaOf(int user, long seed) {
        // SplittableRandom mixes its seed: consecutive user ids give independent draws
        return Persona.values()[
                new java.util.SplittableRandom(seed * 1_000_003L + user).nextInt(Persona.values().length)];
    }

    /** Creates {@code transactions} and fills it; returns the number of rows. */
    public static int create(Connection conn, int users, long seed) throws SQLException {
        return create(conn, users, seed, 0);
    }

    /**
     * As above with {@code eventsPerUser} events for every user (0: as many as the persona draws),
     * so a benchmark's size is users times events exactly.
     */
    public static int create(Connection conn, int users, long seed, int eventsPerUser) throws SQLException {
        try (Statement st = conn.createStatement()) {
            st.execute(TABLE_DDL);
        }
        int rows = 0;
        try (PreparedStatement ps = conn.prepareStatement("INSERT INTO transactions VALUES (?, ?, ?, ?, ?)")) {
            for (int user = 1; user <= users; user++) {
                Persona p = personaOf(user, seed);
                Random rnd = new Random(seed * 1_000_003L + user);
                int drawn = 1 + (int) Math.round(p.meanEvents * (0.3 + 1.4 * rnd.nextDouble()));
                int events = eventsPerUser > 0 ? eventsPerUser : drawn;
                LocalDate day = LocalDate.of(2024, 1, 1).plusDays(rnd.nextInt(30));
                for (int e = 0; e < events; e++) {
                    boolean salary = rnd.nextInt(12) == 0;
                    String mcc = salary ? "6012" : p.mcc[rnd.nextInt(p.mcc.length)];
                    double amount =
                            salary ? 1500 + rnd.nextInt(2000) : Math.exp(p.logAmount + 0.6 * rnd.nextGaussian());
                    ps.setInt(1, user);
                    ps.setObject(2, day);
                    ps.setString(3, salary ? "C" : "D");
                    ps.setString(4, mcc);
                    ps.setBigDecimal(5, BigDecimal.valueOf(amount).setScale(2, RoundingMode.HALF_UP));
                    ps.addBatch();
                    rows++;
                    day = day.plusDays(rnd.nextInt(1 + 300 / p.meanEvents));
                }
                if (user % 200 == 0) {
                    ps.executeBatch();
                }
            }
            ps.executeBatch();
        }
        return rows;
    }
}
