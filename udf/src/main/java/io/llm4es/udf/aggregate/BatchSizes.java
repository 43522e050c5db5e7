package io.llm4es.udf.aggregate;

import java.util.ArrayList;
import java.util.List;

/**
 * A window into cross-group batching: while recording, the number of groups of each batch this
 * thread embeds is appended to the list {@link #record} returns. It stays in main code because
 * batching happens deep inside an engine's query (H2, Calcite, DuckDB call the aggregates), so the
 * bindings' tests can see it only from here; when nobody records, it costs one ThreadLocal read per
 * batch.
 */
public final class BatchSizes {
    private static final ThreadLocal<List<Integer>> RECORDING = new ThreadLocal<>();

    private BatchSizes() {}

    public static List<Integer> record() {
        List<Integer> sizes = new ArrayList<>();
        RECORDING.set(sizes);
        return sizes;
    }

    public static void stop() {
        RECORDING.remove();
    }

    static void add(int groups) {
        List<Integer> sizes = RECORDING.get();
        if (sizes != null) {
            sizes.add(groups);
        }
    }
}
