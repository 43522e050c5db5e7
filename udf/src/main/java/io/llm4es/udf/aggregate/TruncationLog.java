package io.llm4es.udf.aggregate;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The truncations of this thread since it was last drained: which model dropped how many events
 * of how many users. {@link UserHistory} records every embedding whose status is TRUNCATED; a
 * binding that runs the aggregates on the caller's thread (H2, Calcite) drains the log into the
 * statement's JDBC warning, one that runs them on worker threads (DuckDB) drains it at the end of
 * each UDF call. Bounded: one entry per model, whatever the number of users.
 */
public final class TruncationLog {
    /** {@code users} results of model {@code modelVersion} lost {@code droppedEvents} events in all. */
    public record Entry(String modelVersion, long users, long droppedEvents) {
        Entry plus(long moreUsers, long moreDropped) {
            return new Entry(modelVersion, users + moreUsers, droppedEvents + moreDropped);
        }
    }

    private static final ThreadLocal<Map<String, Entry>> LOG = ThreadLocal.withInitial(LinkedHashMap::new);

    private TruncationLog() {
    }

    /** One user's result of {@code modelVersion} was truncated by {@code droppedEvents} events. */
    public static void record(String modelVersion, int droppedEvents) {
        LOG.get().merge(modelVersion, new Entry(modelVersion, 1, droppedEvents),
                (a, b) -> a.plus(b.users(), b.droppedEvents()));
    }

    /** This thread's entries since the last drain, oldest model first; empties the log. */
    public static List<Entry> drain() {
        Map<String, Entry> log = LOG.get();
        if (log.isEmpty()) {
            return List.of();
        }
        List<Entry> out = new ArrayList<>(log.values());
        log.clear();
        return out;
    }
}
