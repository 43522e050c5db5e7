package io.llm4es.udf.embed;

import java.util.ArrayList;
import java.util.List;

/**
 * A window into the ONNX Runtime calls of this thread: while recording, every session run (its
 * rows and padded width, and whether it ran out of memory) is appended to the list
 * {@link #record} returns. It stays in main code because the runs happen deep inside the
 * embedder, below every SQL engine: it is the only way for a caller (a test through H2, a
 * benchmark measuring padding waste) to see the batch shapes and the halving of a batch after an
 * allocation failure. Off, it costs one thread-local read per run.
 */
public final class OrtRuns {
    public record Run(int rows, int width, boolean outOfMemory) {}

    private static final ThreadLocal<List<Run>> RECORDING = new ThreadLocal<>();

    private OrtRuns() {}

    public static List<Run> record() {
        List<Run> runs = new ArrayList<>();
        RECORDING.set(runs);
        return runs;
    }

    public static void stop() {
        RECORDING.remove();
    }

    static void add(int rows, int width, boolean outOfMemory) {
        List<Run> runs = RECORDING.get();
        if (runs != null) {
            runs.add(new Run(rows, width, outOfMemory));
        }
    }
}
