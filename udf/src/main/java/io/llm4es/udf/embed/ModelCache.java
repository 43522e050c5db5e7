package io.llm4es.udf.embed;

import io.llm4es.udf.model.BundleSource;
import io.llm4es.udf.model.ModelBundle;
import io.llm4es.udf.model.ModelDirectory;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One loaded model per bundle per JVM, shared by all connections: loading (sha256 check,
 * tokenizer, ONNX session) happens once, on first use.
 */
public final class ModelCache {
    private static final ConcurrentHashMap<String, Loaded> BY_SOURCE = new ConcurrentHashMap<>();
    private static final ConcurrentHashMap<String, EmbeddingModel> BY_NAME = new ConcurrentHashMap<>();

    private ModelCache() {
    }

    /** The model of that name (null: the default model) in the configured models directory. */
    public static EmbeddingModel byName(String name) {
        return byName(ModelDirectory.fromEnvironment(), name);
    }

    /** The model of that name (null: the default model) in {@code dir}: a binding that is told where its models are (a Spark executor). */
    public static EmbeddingModel byName(ModelDirectory dir, String name) {
        String ref = name == null ? ModelDirectory.defaultModelName() : name;
        String key = dir.root() + "\u0000" + ref;
        EmbeddingModel model = BY_NAME.get(key);
        if (model == null) {
            model = load(dir.find(ref));
            BY_NAME.putIfAbsent(key, model);
        }
        return model;
    }

    /** A bundle directory given by path (the CLI's --bundle). */
    public static EmbeddingModel byPath(Path bundleDir) {
        return load(BundleSource.directory(bundleDir.toAbsolutePath().normalize()));
    }

    private static EmbeddingModel load(BundleSource source) {
        Device device = Device.fromEnvironment();
        return BY_SOURCE.computeIfAbsent(source.describe() + "|" + device, k -> new Loaded(source, device)).get();
    }

    public static int threads() {
        return OnnxEmbedder.THREADS.positiveInt(Runtime.getRuntime().availableProcessors());
    }

    static int batchTokens() {
        return EmbeddingModel.BATCH_TOKENS.positiveInt(EmbeddingModel.DEFAULT_BATCH_TOKENS);
    }

    /** Loads outside the map's lock, once, even when many connections ask at the same moment. */
    private static final class Loaded {
        private final BundleSource source;
        private final Device device;
        private EmbeddingModel model;

        Loaded(BundleSource source, Device device) {
            this.source = source;
            this.device = device;
        }

        synchronized EmbeddingModel get() {
            if (model == null) {
                model = new EmbeddingModel(ModelBundle.open(source), device, threads(), batchTokens());
            }
            return model;
        }
    }
}
