package io.llm4es.sql;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llm4es.udf.testing.TestBundles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Copies of the bundled stories260k with a tiny token budget. Only the manifest changes: the
 * serializer lives there, and the sha256 sums cover the other files, which stay byte-identical.
 */
public final class TinyBundles {
    public static final String ERROR = "tiny-error";
    public static final String DROP = "tiny-drop";
    public static final int MAX_TOKENS = 160;
    /** stories260k's model.onnx replaced by bytes ONNX Runtime cannot load (sha256 updated): 58000. */
    public static final String BROKEN = "tiny-broken";
    /** stories260k that runs out of memory above {@value #OOM_CAP_TOKENS} padded tokens per run. */
    public static final String OOM = "tiny-oom";

    public static final int OOM_CAP_TOKENS = 128;
    private static final String SOURCE = "io/llm4es/models/stories260k/";

    private TinyBundles() {}

    /** Writes {@value #ERROR} (truncation=error), {@value #DROP} (drop_oldest), {@value #BROKEN} and {@value #OOM} into {@code modelsDir}. */
    public static void create(Path modelsDir) throws IOException {
        write(modelsDir.resolve(ERROR), "error");
        write(modelsDir.resolve(DROP), "drop_oldest");
        TestBundles.unloadable(modelsDir.resolve(BROKEN), BROKEN);
        TestBundles.memoryCapped(modelsDir.resolve(OOM), OOM, OOM_CAP_TOKENS);
    }

    private static void write(Path dir, String truncation) throws IOException {
        Files.createDirectories(dir);
        ObjectMapper json = new ObjectMapper();
        ObjectNode manifest = (ObjectNode) json.readTree(resource("llm4es-model.json"));
        manifest.put("name", dir.getFileName().toString());
        ObjectNode serializer = (ObjectNode) manifest.get("serializer");
        serializer.put("max_tokens", MAX_TOKENS);
        serializer.put("truncation", truncation);
        Files.writeString(dir.resolve("llm4es-model.json"), json.writeValueAsString(manifest));
        for (String file : new String[] {"model.onnx", "tokenizer.json"}) {
            Files.write(dir.resolve(file), resource(file));
        }
    }

    private static byte[] resource(String file) throws IOException {
        try (InputStream in = TinyBundles.class.getClassLoader().getResourceAsStream(SOURCE + file)) {
            if (in == null) {
                throw new IOException("no " + SOURCE + file + " on the class path");
            }
            return in.readAllBytes();
        }
    }
}
