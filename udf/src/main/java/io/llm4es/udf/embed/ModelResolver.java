package io.llm4es.udf.embed;

/**
 * Turns a model reference (null: the default model) into a loaded model. The models directory is
 * the default; a binding whose database holds a registry resolves through it instead.
 */
@FunctionalInterface
public interface ModelResolver {
    ModelResolver DIRECTORY = ModelCache::byName;

    EmbeddingModel resolve(String modelRef);
}
