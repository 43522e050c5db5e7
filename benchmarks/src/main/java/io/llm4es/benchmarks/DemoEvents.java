package io.llm4es.benchmarks;

import io.llm4es.examples.DemoTransactions;
import io.llm4es.examples.SpeedBenchmark;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;

/**
 * The events every benchmark here renders: the demo's generated card transactions, as H2's
 * {@code JSON_OBJECT} writes them for the aggregate (the same text bench-speed embeds), per user,
 * oldest first.
 */
final class DemoEvents {
    static final int USERS = 500;

    private DemoEvents() {}

    static List<List<String>> perUser() {
        try (Connection conn = DriverManager.getConnection("jdbc:h2:mem:")) {
            DemoTransactions.create(conn, USERS, 7);
            return SpeedBenchmark.eventsPerUser(conn);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot generate the demo events", e);
        }
    }

    static String[] all() {
        return perUser().stream().flatMap(List::stream).toArray(String[]::new);
    }
}
