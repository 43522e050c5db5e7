package io.llm4es.udf.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BatchPlannerTest {
    @Test
    void everyRowOnceLongestFirstWithinTheTokenBudget() {
        Random rnd = new Random(7);
        int[] lengths = new int[500];
        for (int i = 0; i < lengths.length; i++) {
            lengths[i] = 1 + rnd.nextInt(700);
        }
        List<int[]> plan = new BatchPlanner(2048, 64).plan(lengths);
        int[] seen = new int[lengths.length];
        int previousLongest = Integer.MAX_VALUE;
        for (int[] batch : plan) {
            int width = BatchPlanner.paddedLength(
                    Arrays.stream(batch).map(i -> lengths[i]).max().orElseThrow());
            assertEquals(0, width % BatchPlanner.PAD_MULTIPLE);
            assertTrue(batch.length == 1 || batch.length * width <= 2048, "batch over budget");
            assertTrue(batch.length <= 64);
            assertTrue(lengths[batch[0]] <= previousLongest, "batches go longest first");
            previousLongest = lengths[batch[0]];
            for (int i : batch) {
                seen[i]++;
            }
        }
        assertTrue(Arrays.stream(seen).allMatch(c -> c == 1), "each row planned exactly once");
    }

    @Test
    void aRowLongerThanTheBudgetGetsABatchOfItsOwn() {
        List<int[]> plan = new BatchPlanner(64, 10).plan(new int[] {5, 300, 6});
        assertEquals(2, plan.size());
        assertEquals(1, plan.get(0)[0]);
        assertEquals(1, plan.get(0).length);
    }
}
