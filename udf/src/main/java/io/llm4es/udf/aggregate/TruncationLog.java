package io.llm4es.udf.aggregate;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The truncations of this thread since it was last drained: which model dropped how many events
 * of how many users. {@link GroupState} records every embedding whose status is TRUNCATED; a
 * binding that runs the aggregates on the caller's thread (H2, Calcite) drains the log into the
 * statement's JDBC warning, one that runs them on worker threads (DuckDB) drains it at the end of
 * each UDF call. Counts are kept per variant and the statement reports the largest: the
 * aggregates of one SELECT (user_embedding beside user_embedding_result) embed the same groups,
 * so a user counts once, not once per aggregate. Bounded: a few counters per model.
 */
public final class TruncationLog {
    /** The truncated results of model {@code modelVersion}, counted per variant. */
    public static final class Entry {
        private final String modelVersion;
        private final Map<Variant, long[]> byVariant = new EnumMap<>(Variant.class);

        Entry(String modelVersion) {
            this.modelVersion = modelVersion;
        }

        public String modelVersion() {
            return modelVersion;
        }

        /** Users truncated: the most any one variant of the statement truncated. */
        public long users() {
            return largest()[0];
        }

        /** Events dropped from those users' histories. */
        public long droppedEvents() {
            return largest()[1];
        }

        private long[] largest() {
            long[] best = {0, 0};
            for (long[] c : byVariant.values()) {
                if (c[0] > best[0] || (c[0] == best[0] && c[1] > best[1])) {
                    best = c;
                }
            }
            return best;
        }

        void add(Variant variant, long users, long dropped) {
            long[] c = byVariant.computeIfAbsent(variant, v -> new long[2]);
            c[0] += users;
            c[1] += dropped;
        }

        /** This entry with {@code other}'s counts added (the same model, e.g. another DuckDB chunk); returns this. */
        public Entry union(Entry other) {
            other.byVariant.forEach((v, c) -> add(v, c[0], c[1]));
            return this;
        }
    }

    private static final ThreadLocal<Map<String, Entry>> LOG = ThreadLocal.withInitial(LinkedHashMap::new);

    private TruncationLog() {}

    /** One {@code variant} result of {@code modelVersion} was truncated by {@code droppedEvents} events. */
    static void record(String modelVersion, Variant variant, int droppedEvents) {
        LOG.get().computeIfAbsent(modelVersion, Entry::new).add(variant, 1, droppedEvents);
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
