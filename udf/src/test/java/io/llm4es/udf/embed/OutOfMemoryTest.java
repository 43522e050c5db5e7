package io.llm4es.udf.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llm4es.udf.error.Llm4esException;
import io.llm4es.udf.error.SqlState;
import io.llm4es.udf.testing.TestBundles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 53200 and the halved-batch retry, against a real ONNX Runtime allocation failure: the
 * stories260k weights with a graph that cannot allocate once a run holds more than 16 tokens.
 */
class OutOfMemoryTest {
    static final int CAP_TOKENS = 16;

    @TempDir
    static Path dir;

    static EmbeddingModel capped;

    @BeforeAll
    static void load() throws Exception {
        capped = ModelCache.byPath(TestBundles.memoryCapped(dir.resolve("oom"), "oom", CAP_TOKENS));
    }

    static List<int[]> rows(int count, int length) {
        List<int[]> out = new ArrayList<>();
        for (int r = 0; r < count; r++) {
            int[] ids = new int[length];
            for (int t = 0; t < length; t++) {
                ids[t] = 1 + (r * 31 + t * 7) % 500;
            }
            out.add(ids);
        }
        return out;
    }

    @Test
    void aBatchThatRunsOutOfMemoryIsHalvedUntilItFits() {
        List<int[]> rows = rows(8, 8);
        List<OrtRuns.Run> runs = OrtRuns.record();
        float[][] got;
        try {
            got = capped.embedTokenRows(rows);
        } finally {
            OrtRuns.stop();
        }
        // 8 rows × 8 tokens fail, 4 × 8 fail, 2 × 8 = 16 tokens fit
        assertEquals(
                List.of(
                        run(8, true),
                        run(4, true),
                        run(2, false),
                        run(2, false),
                        run(4, true),
                        run(2, false),
                        run(2, false)),
                runs);
        float[][] expected = ModelCache.byName("stories260k").embedTokenRows(rows);
        for (int i = 0; i < rows.size(); i++) {
            double cos = io.llm4es.udf.vector.Vectors.cosineSimilarity(expected[i], got[i]);
            assertTrue(cos >= 0.99999, "row " + i + ": cosine " + cos);
        }
    }

    @Test
    void aSingleRowThatStillDoesNotFitIs53200() {
        List<OrtRuns.Run> runs = OrtRuns.record();
        Llm4esException e;
        try {
            e = assertThrows(Llm4esException.class, () -> capped.embedTokenRows(rows(1, 24)));
        } finally {
            OrtRuns.stop();
        }
        assertEquals(SqlState.OUT_OF_MEMORY, e.state());
        assertTrue(e.getMessage().contains("out of memory embedding one user of 24 tokens"), e.getMessage());
        assertEquals(List.of(new OrtRuns.Run(1, 24, true)), runs);
    }

    @Test
    void oneRowTooLongFailsTheCallAfterTheOthersFit() {
        List<int[]> rows = rows(3, 4);
        rows.add(rows(1, 24).get(0));
        Llm4esException e = assertThrows(Llm4esException.class, () -> capped.embedTokenRows(rows));
        assertEquals(SqlState.OUT_OF_MEMORY, e.state());
    }

    private static OrtRuns.Run run(int rows, boolean outOfMemory) {
        return new OrtRuns.Run(rows, 8, outOfMemory);
    }
}
