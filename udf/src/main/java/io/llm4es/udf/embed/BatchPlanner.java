package io.llm4es.udf.embed;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Groups rows of token ids into micro-batches by a token budget rather than a row count: rows
 * are sorted by length so that little padding is computed, and each batch pads to a multiple of 8.
 */
public final class BatchPlanner {
    public static final int PAD_MULTIPLE = 8;
    private final int tokenBudget;
    private final int maxRows;

    public BatchPlanner(int tokenBudget, int maxRows) {
        if (tokenBudget < 1 || maxRows < 1) {
            throw new IllegalArgumentException("batch token budget and row limit must be positive");
        }
        this.tokenBudget = tokenBudget;
        this.maxRows = maxRows;
    }

    public int tokenBudget() {
        return tokenBudget;
    }

    public static int paddedLength(int length) {
        return Math.max(PAD_MULTIPLE, (length + PAD_MULTIPLE - 1) / PAD_MULTIPLE * PAD_MULTIPLE);
    }

    /** Batches of row indices; longest rows first, ties by index, so plans are deterministic. */
    public List<int[]> plan(int[] lengths) {
        Integer[] order = new Integer[lengths.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.<Integer>comparingInt(i -> -lengths[i]).thenComparingInt(i -> i));
        List<int[]> batches = new ArrayList<>();
        int start = 0;
        while (start < order.length) {
            int padded = paddedLength(lengths[order[start]]);
            int end = start + 1;
            while (end < order.length && end - start < maxRows && (long) (end - start + 1) * padded <= tokenBudget) {
                end++;
            }
            int[] batch = new int[end - start];
            for (int i = start; i < end; i++) {
                batch[i - start] = order[i];
            }
            batches.add(batch);
            start = end;
        }
        return batches;
    }
}
