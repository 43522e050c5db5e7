package io.llm4es.connectors.spark;

import io.llm4es.udf.embed.EmbeddingModel;
import io.llm4es.udf.embed.ModelCache;
import io.llm4es.udf.embed.ModelResolver;
import io.llm4es.udf.model.ModelDirectory;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.SparkFiles;

/**
 * Where an executor finds its models, decided on the executor itself (the driver's paths need
 * not exist there). In order: {@code spark.llm4es.models.dir} as the driver saw it; the
 * executor JVM's {@code -Dllm4es.models.dir} or {@code $LLM4ES_MODELS_DIR}; a folder
 * {@code models} shipped with the job ({@code --archives models.tar.gz#models}); {@code ./models}.
 * The models bundled in the jar are found in every case. Loaded models are cached per JVM by
 * {@link ModelCache}, so each executor loads a model once.
 */
public final class SparkModels implements ModelResolver, Serializable {
    private static final long serialVersionUID = 1L;
    public static final String DIR_CONF = "spark.llm4es.models.dir";
    /** The name an archive of model bundles is shipped under: {@code --archives models.tar.gz#models}. */
    public static final String SHIPPED_FOLDER = "models";

    private final String configuredDir;

    public SparkModels(String configuredDir) {
        this.configuredDir = configuredDir == null || configuredDir.isBlank() ? null : configuredDir;
    }

    @Override
    public EmbeddingModel resolve(String modelRef) {
        // a failure stays the core's exception: user_embedding_result reports its SQLSTATE
        return ModelCache.byName(directory(), modelRef);
    }

    ModelDirectory directory() {
        if (configuredDir != null) {
            return new ModelDirectory(Path.of(configuredDir));
        }
        if (ModelDirectory.DIR.value() != null) {
            return ModelDirectory.fromEnvironment();
        }
        Path shipped = shippedFolder();
        if (shipped != null) {
            return new ModelDirectory(shipped);
        }
        return ModelDirectory.fromEnvironment();
    }

    private static Path shippedFolder() {
        try {
            Path p = Path.of(SparkFiles.getRootDirectory(), SHIPPED_FOLDER);
            return Files.isDirectory(p) ? p : null;
        } catch (RuntimeException e) {
            // no SparkEnv in this JVM (not inside a Spark application)
            return null;
        }
    }
}
