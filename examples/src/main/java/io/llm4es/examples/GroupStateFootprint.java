package io.llm4es.examples;

import io.llm4es.udf.aggregate.GroupState;
import io.llm4es.udf.aggregate.Variant;
import io.llm4es.udf.embed.EmbeddingModel;
import io.llm4es.udf.embed.ModelCache;
import io.llm4es.udf.serialize.OrderKey;
import io.llm4es.udf.serialize.OrderedEvents;
import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Heap bytes per event that a GROUP BY's group states hold until the query ends: the demo's
 * transactions read once from H2, then every user's events held in a {@link GroupState} (what
 * the aggregates keep) and, for comparison, as the serializer's event objects in
 * {@link OrderedEvents} (what they kept before). Live heap after full GCs with the states held
 * minus without them, divided by events.
 */
final class GroupStateFootprint {
    private GroupStateFootprint() {}

    static void run(Map<String, String> opts) throws Exception {
        int users = Integer.parseInt(opts.getOrDefault("users", "20000"));
        long seed = Long.parseLong(opts.getOrDefault("seed", "42"));
        List<Object[]> rows = new ArrayList<>();
        try (Connection conn = DriverManager.getConnection("jdbc:h2:mem:footprint")) {
            DemoTransactions.create(conn, users, seed);
            try (Statement st = conn.createStatement();
                    ResultSet rs =
                            st.executeQuery("SELECT user_id, " + DemoTransactions.EVENT + ", ts FROM transactions")) {
                while (rs.next()) {
                    rows.add(new Object[] {rs.getInt(1), rs.getString(2), rs.getObject(3)});
                }
            }
        }
        EmbeddingModel model = ModelCache.byName("stories260k");
        System.out.printf("demo data: %d users, %d events, model %s%n", users, rows.size(), model.versionTag());

        Map<Integer, Object> held = new LinkedHashMap<>();
        for (Object[] r : rows) {
            ((GroupState) held.computeIfAbsent((Integer) r[0], u -> new GroupState(Variant.STRICT)))
                    .add(r[1], r[2], null);
        }
        report("GroupState (user_embedding)", footprint(held), users, rows.size());
        for (Object[] r : rows) {
            ((OrderedEvents) held.computeIfAbsent((Integer) r[0], u -> new OrderedEvents()))
                    .add(OrderKey.of(r[2]), model.serializer().event((String) r[1]));
        }
        report("event objects (before)", footprint(held), users, rows.size());
    }

    /** Live heap with {@code held} filled minus live heap once it is emptied: what its contents hold. */
    private static long footprint(Map<Integer, Object> held) throws InterruptedException {
        long with = liveHeap();
        held.clear();
        return with - liveHeap();
    }

    private static void report(String what, long bytes, int groups, int events) {
        System.out.printf(
                "%-30s %,12d bytes live = %6.1f bytes/event (%.1f events/user, map entries included)%n",
                what, bytes, (double) bytes / events, (double) events / groups);
    }

    private static long liveHeap() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
