package io.llm4es.udf.aggregate;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The truncations of this thread since it was last drained: which model dropped how many events
 * of how many users. {@link UserHistory} records every embedding whose status is TRUNCATED; a
 * binding that runs the aggregates on the caller's thread (H2, Calcite) drains the log into the
 * statement's JDBC warning, one that runs them on worker threads (DuckDB) drains it at the end of
 * each UDF call. A user is known by a fingerprint of the text the model saw: two aggregates of
 * one statement over the same group (user_embedding beside user_embedding_result) count the user
 * once, and so do two users whose histories are identical event for event.
 */
public final class TruncationLog {
    /** The truncated results of model {@code modelVersion}: events dropped per distinct history. */
    public static final class Entry {
        private final String modelVersion;
        private final Map<Long, Integer> droppedByHistory = new HashMap<>();

        Entry(String modelVersion) {
            this.modelVersion = modelVersion;
        }

        public String modelVersion() {
            return modelVersion;
        }

        public long users() {
            return droppedByHistory.size();
        }

        public long droppedEvents() {
            long sum = 0;
            for (int d : droppedByHistory.values()) {
                sum += d;
            }
            return sum;
        }

        /** This entry with {@code other}'s histories added (the same model); returns this. */
        public Entry union(Entry other) {
            droppedByHistory.putAll(other.droppedByHistory);
            return this;
        }
    }

    private static final ThreadLocal<Map<String, Entry>> LOG = ThreadLocal.withInitial(LinkedHashMap::new);

    private TruncationLog() {
    }

    /** One result of {@code modelVersion}, for the history with {@code fingerprint}, dropped {@code droppedEvents} events. */
    static void record(String modelVersion, long fingerprint, int droppedEvents) {
        LOG.get().computeIfAbsent(modelVersion, Entry::new).droppedByHistory.put(fingerprint, droppedEvents);
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
