package io.llm4es.udf.aggregate;

import java.util.ArrayList;
import java.util.List;

/**
 * A window into cross-group batching for tests of the SQL bindings: while recording, the number
 * of groups of each batch this thread embeds is appended to the list {@link #record} returns.
 */
public final class BatchSizes {
    private static final ThreadLocal<List<Integer>> RECORDING = new ThreadLocal<>();

    private BatchSizes() {
    }

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
