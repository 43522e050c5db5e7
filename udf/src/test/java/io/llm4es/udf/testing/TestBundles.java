package io.llm4es.udf.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llm4es.udf.digest.Sha256;
import io.llm4es.udf.embed.ModelCache;
import io.llm4es.udf.model.ModelBundle;
import io.llm4es.udf.model.ModelManifest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Copies of the bundled stories260k whose model.onnx is changed on purpose, with the manifest's
 * sha256 updated to match: the bundle passes its integrity check, and ONNX Runtime meets the
 * change.
 */
public final class TestBundles {
    private TestBundles() {}

    /** A bundle whose model.onnx is not an ONNX model: loading it is a native failure (58000). */
    public static Path unloadable(Path dir, String name) throws IOException {
        return withModel(dir, name, "this is not an ONNX model\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** The real model, with {@link MemoryCap}: any run over {@code capTokens} padded tokens runs out of memory. */
    public static Path memoryCapped(Path dir, String name, long capTokens) throws IOException {
        byte[] model = ModelCache.byName("stories260k").bundle().readFile("model.onnx");
        return withModel(dir, name, MemoryCap.append(model, capTokens));
    }

    private static Path withModel(Path dir, String name, byte[] model) throws IOException {
        copy(ModelCache.byName("stories260k").bundle(), dir);
        Files.write(dir.resolve("model.onnx"), model);
        ObjectMapper json = new ObjectMapper();
        Path manifestFile = dir.resolve("llm4es-model.json");
        ObjectNode manifest = (ObjectNode) json.readTree(manifestFile.toFile());
        manifest.put("name", name);
        ((ObjectNode) manifest.get("files")).put("model.onnx", Sha256.hex(model));
        Files.writeString(manifestFile, json.writeValueAsString(manifest));
        return dir;
    }

    /** Writes {@code bundle} (manifest and files, unchanged) into {@code dir}, e.g. to take a bundled model out of the jar. */
    public static void copy(ModelBundle bundle, Path dir) {
        try {
            Files.createDirectories(dir);
            Files.write(dir.resolve(ModelManifest.FILE_NAME), bundle.readFile(ModelManifest.FILE_NAME));
            for (String file : bundle.manifest().files().keySet()) {
                Files.write(dir.resolve(file), bundle.readFile(file));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
