package io.llm4es.udf.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llm4es.udf.embed.ModelCache;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Copies of the bundled stories260k whose model.onnx is changed on purpose, with the manifest's
 * sha256 updated to match: the bundle passes its integrity check, and ONNX Runtime meets the
 * change.
 */
public final class TestBundles {
    private TestBundles() {
    }

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
        ModelCache.byName("stories260k").bundle().copyTo(dir);
        Files.write(dir.resolve("model.onnx"), model);
        ObjectMapper json = new ObjectMapper();
        Path manifestFile = dir.resolve("llm4es-model.json");
        ObjectNode manifest = (ObjectNode) json.readTree(manifestFile.toFile());
        manifest.put("name", name);
        ((ObjectNode) manifest.get("files")).put("model.onnx", sha256(model));
        Files.writeString(manifestFile, json.writeValueAsString(manifest));
        return dir;
    }


    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
