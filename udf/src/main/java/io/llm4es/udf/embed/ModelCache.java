package io.llm4es.udf.embed;

import io.llm4es.udf.model.BundleSource;
import io.llm4es.udf.model.ModelBundle;
import io.llm4es.udf.model.ModelDirectory;
import io.llm4es.udf.model.ModelManifest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One loaded model per bundle per JVM, shared by all connections: loading (sha256 check,
 * tokenizer, ONNX session) happens once, on first use. Every lookup (once per statement) compares
 * the size, modification time and file identity of the bundle's files with those it was loaded
 * from: a bundle replaced on disk under the same name is loaded again, never served stale.
 */
public final class ModelCache {
    private static final ConcurrentHashMap<String, Loaded> BY_SOURCE = new ConcurrentHashMap<>();

    private ModelCache() {}

    /** The model of that name (null: the default model) in the configured models directory. */
    public static EmbeddingModel byName(String name) {
        return byName(ModelDirectory.fromEnvironment(), name);
    }

    /** The model of that name (null: the default model) in {@code dir}: a binding that is told where its models are (a Spark executor). */
    public static EmbeddingModel byName(ModelDirectory dir, String name) {
        return load(dir.find(name == null ? ModelDirectory.defaultModelName() : name));
    }

    /** A bundle directory given by path (the CLI's --bundle). */
    public static EmbeddingModel byPath(Path bundleDir) {
        return load(BundleSource.directory(bundleDir.toAbsolutePath().normalize()));
    }

    private static EmbeddingModel load(BundleSource source) {
        Device device = Device.fromEnvironment();
        return BY_SOURCE
                .computeIfAbsent(source.describe() + "|" + device, k -> new Loaded(source, device))
                .get();
    }

    public static int threads() {
        return OnnxEmbedder.THREADS.positiveInt(Runtime.getRuntime().availableProcessors());
    }

    static int batchTokens() {
        return EmbeddingModel.BATCH_TOKENS.positiveInt(EmbeddingModel.AUTO_BATCH_TOKENS);
    }

    /** Loads outside the map's lock, once, even when many connections ask at the same moment. */
    private static final class Loaded {
        private final BundleSource source;
        private final Device device;
        private EmbeddingModel model;
        private List<String> stamps;

        Loaded(BundleSource source, Device device) {
            this.source = source;
            this.device = device;
        }

        synchronized EmbeddingModel get() {
            if (model == null || !stamps.equals(stamps(model.manifest()))) {
                // a statement still running on the replaced model keeps it: its session is not closed under it
                EmbeddingModel fresh = new EmbeddingModel(ModelBundle.open(source), device, threads(), batchTokens());
                stamps = stamps(fresh.manifest());
                model = fresh;
            }
            return model;
        }

        /** What changes when any file of the bundle is rewritten or replaced. */
        private List<String> stamps(ModelManifest manifest) {
            List<String> out = new ArrayList<>();
            out.add(source.stamp(ModelManifest.FILE_NAME));
            for (String file : new TreeSet<>(manifest.files().keySet())) {
                out.add(source.stamp(file));
            }
            return out;
        }
    }
}
