package io.llm4es.udf.embed;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import io.llm4es.udf.config.Setting;
import io.llm4es.udf.error.Llm4esException;
import io.llm4es.udf.error.SqlState;
import io.llm4es.udf.model.ModelBundle;
import io.llm4es.udf.model.ModelManifest;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One ONNX Runtime session for one bundle. Layer averaging and masked mean pooling are inside the
 * graph, so a call moves token ids in and one vector per row out. Rows are padded on the right:
 * a causal model's real tokens never attend to the padding, which keeps a row's embedding
 * independent of its batch.
 */
public final class OnnxEmbedder implements AutoCloseable {
    public static final Setting THREADS = new Setting("llm4es.threads", "LLM4ES_THREADS");
    private static final System.Logger LOG = System.getLogger("io.llm4es");

    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;
    private final ModelManifest manifest;
    private final Device device;
    private final String outputName;

    public OnnxEmbedder(ModelBundle bundle, Device requested, int threads) {
        this.manifest = bundle.manifest();
        this.device = resolve(requested, bundle);
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            options.setIntraOpNumThreads(threads);
            options.setInterOpNumThreads(1);
            // batch shapes vary from run to run, so a cached allocation pattern per shape only
            // fragments the arena: off, 16 connections peak at 1.03x one connection's RSS, on 1.31x
            options.setMemoryPatternOptimization(false);
            // idle intra-op threads sleep instead of spinning: the cores are shared with the SQL
            // engine and other connections, and a spinning thread takes the core another one needs
            options.addConfigEntry("session.intra_op.allow_spinning", "0");
            if (device == Device.CUDA) {
                options.addCUDA(0);
            }
            Path onDisk = bundle.source().path(manifest.onnxFile());
            this.session = onDisk != null
                    ? env.createSession(onDisk.toString(), options)
                    : env.createSession(bundle.readFile(manifest.onnxFile()), options);
        } catch (OrtException e) {
            throw new Llm4esException(
                    SqlState.SYSTEM_ERROR,
                    "ONNX Runtime cannot load " + bundle.source().describe() + ": " + e.getMessage(),
                    e);
        }
        this.outputName = session.getOutputNames().contains("embedding") ? "embedding" : null;
        if (outputName == null) {
            throw new Llm4esException(
                    SqlState.DATA_CORRUPTED,
                    "model " + bundle.source().describe() + " has no output 'embedding' (outputs: "
                            + session.getOutputNames() + ")");
        }
    }

    private static Device resolve(Device requested, ModelBundle bundle) {
        boolean cuda = OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA);
        if (requested == Device.CUDA && !cuda) {
            throw new Llm4esException(
                    SqlState.FEATURE_NOT_SUPPORTED,
                    "device=cuda was asked for, but this ONNX "
                            + "Runtime has no CUDA provider (build with 'mvn -Pgpu' on a machine with CUDA and an NVIDIA GPU)");
        }
        if (requested == Device.AUTO && !cuda) {
            LOG.log(
                    System.Logger.Level.INFO,
                    "llm4es: device=auto: no CUDA provider in this ONNX Runtime build, " + "running "
                            + bundle.versionTag() + " on CPU");
            return Device.CPU;
        }
        return requested == Device.AUTO ? Device.CUDA : requested;
    }

    public Device device() {
        return device;
    }

    /**
     * Embeds rows of token ids (special tokens included) as one padded batch. On an allocation
     * failure the batch is split in halves and retried; a single row that still fails is 53200.
     */
    public float[][] embedBatch(List<int[]> rows) {
        try {
            float[][] out = run(rows);
            OrtRuns.add(rows.size(), width(rows), false);
            return out;
        } catch (OrtException e) {
            boolean outOfMemory = isOutOfMemory(e);
            OrtRuns.add(rows.size(), width(rows), outOfMemory);
            if (!outOfMemory) {
                throw new Llm4esException(SqlState.SYSTEM_ERROR, "ONNX Runtime failed: " + e.getMessage(), e);
            }
            if (rows.size() == 1) {
                throw new Llm4esException(
                        SqlState.OUT_OF_MEMORY,
                        "out of memory embedding one user of " + rows.get(0).length + " tokens: " + e.getMessage(),
                        e);
            }
            int half = rows.size() / 2;
            float[][] a = embedBatch(rows.subList(0, half));
            float[][] b = embedBatch(rows.subList(half, rows.size()));
            float[][] out = new float[rows.size()][];
            System.arraycopy(a, 0, out, 0, a.length);
            System.arraycopy(b, 0, out, a.length, b.length);
            return out;
        }
    }

    private static int width(List<int[]> rows) {
        int maxLen = 0;
        for (int[] r : rows) {
            maxLen = Math.max(maxLen, r.length);
        }
        return BatchPlanner.paddedLength(maxLen);
    }

    private float[][] run(List<int[]> rows) throws OrtException {
        int width = width(rows);
        long[] ids = new long[rows.size() * width];
        long[] mask = new long[rows.size() * width];
        java.util.Arrays.fill(ids, manifest.padId());
        for (int b = 0; b < rows.size(); b++) {
            int[] r = rows.get(b);
            for (int t = 0; t < r.length; t++) {
                ids[b * width + t] = r[t];
                mask[b * width + t] = 1;
            }
        }
        long[] shape = {rows.size(), width};
        try (InferenceSlots.Slot slot = InferenceSlots.acquire();
                OnnxTensor idTensor = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape);
                OnnxTensor maskTensor = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape);
                OrtSession.Result result = session.run(Map.of("input_ids", idTensor, "attention_mask", maskTensor))) {
            float[][] out = (float[][]) result.get(outputName).orElseThrow().getValue();
            if (out.length != rows.size() || out[0].length != manifest.embeddingDim()) {
                throw new Llm4esException(
                        SqlState.DATA_CORRUPTED,
                        "model output has shape [" + out.length + ", " + out[0].length
                                + "], manifest says embedding_dim " + manifest.embeddingDim());
            }
            return out;
        }
    }

    static boolean isOutOfMemory(OrtException e) {
        String m = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
        return m.contains("failed to allocate") || m.contains("bad_alloc") || m.contains("out of memory");
    }

    static List<int[]> select(List<int[]> rows, int[] indices) {
        List<int[]> out = new ArrayList<>(indices.length);
        for (int i : indices) {
            out.add(rows.get(i));
        }
        return out;
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            LOG.log(System.Logger.Level.WARNING, "llm4es: closing ONNX session failed", e);
        }
    }
}
