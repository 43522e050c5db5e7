package io.llm4es.udf.model;

import io.llm4es.udf.config.Setting;
import io.llm4es.udf.error.Llm4esException;
import io.llm4es.udf.error.SqlState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Finds bundles by name: first {@code <models dir>/<name>/}, then the models bundled in the jar.
 * A name is an identifier, never a path, and a resolved bundle must lie inside the models
 * directory even after symbolic links are followed.
 */
public final class ModelDirectory {
    public static final Setting DIR = new Setting("llm4es.models.dir", "LLM4ES_MODELS_DIR");
    public static final Setting DEFAULT_MODEL = new Setting("llm4es.default.model", "LLM4ES_DEFAULT_MODEL");
    public static final String BUILTIN_DEFAULT_MODEL = "stories260k";
    static final String CLASSPATH_ROOT = "io/llm4es/models";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");

    private final Path root;

    public ModelDirectory(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    /** The directory named by -Dllm4es.models.dir, else $LLM4ES_MODELS_DIR, else ./models. */
    public static ModelDirectory fromEnvironment() {
        return new ModelDirectory(Path.of(DIR.value("models")));
    }

    public static String defaultModelName() {
        return DEFAULT_MODEL.value(BUILTIN_DEFAULT_MODEL);
    }

    public Path root() {
        return root;
    }

    public BundleSource find(String name) {
        checkName(name);
        Path dir = root.resolve(name).normalize();
        if (!dir.startsWith(root)) {
            throw unknown(name);
        }
        if (Files.isRegularFile(dir.resolve(ModelManifest.FILE_NAME))) {
            try {
                Path real = dir.toRealPath();
                if (!real.startsWith(root.toRealPath())) {
                    throw new Llm4esException(
                            SqlState.UNDEFINED_OBJECT,
                            "model '" + name + "' resolves outside the models directory " + root + "; refused");
                }
                return BundleSource.directory(real);
            } catch (IOException e) {
                throw new Llm4esException(SqlState.SYSTEM_ERROR, "cannot resolve model '" + name + "'", e);
            }
        }
        String folder = CLASSPATH_ROOT + "/" + name;
        if (ModelDirectory.class.getClassLoader().getResource(folder + "/" + ModelManifest.FILE_NAME) != null) {
            return BundleSource.classpath(folder);
        }
        throw unknown(name);
    }

    private Llm4esException unknown(String name) {
        return new Llm4esException(
                SqlState.UNDEFINED_OBJECT,
                "model '" + name + "' does not exist (looked in " + root + " and the bundled models)");
    }

    /** Whether {@code name} can name a model (or a version) in a reference: an identifier, never a path. */
    public static boolean isName(String name) {
        return name != null && NAME.matcher(name).matches() && !name.contains("..");
    }

    static void checkName(String name) {
        if (!isName(name)) {
            throw Llm4esException.invalid(
                    "'" + name + "' is not a model name (letters, digits, '_', '-', '.'; " + "no paths)");
        }
    }
}
