package io.llm4es.sql.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llm4es.udf.embed.ModelCache;
import io.llm4es.udf.testing.TestBundles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Copies of the bundled stories260k under another name and version (the weights stay the same). */
public final class RegistryBundles {
    private RegistryBundles() {}

    /** Writes {@code dir} as model {@code name} version {@code version}; {@code maxTokens} > 0 with truncation=error. */
    public static Path write(Path dir, String name, String version, int maxTokens) throws IOException {
        TestBundles.copy(ModelCache.byName("stories260k").bundle(), dir);
        ObjectMapper json = new ObjectMapper();
        Path manifestFile = dir.resolve("llm4es-model.json");
        ObjectNode manifest = (ObjectNode) json.readTree(manifestFile.toFile());
        manifest.put("name", name);
        manifest.put("version", version);
        if (maxTokens > 0) {
            ObjectNode serializer = (ObjectNode) manifest.get("serializer");
            serializer.put("max_tokens", maxTokens);
            serializer.put("truncation", "error");
        }
        Files.writeString(manifestFile, json.writeValueAsString(manifest));
        return dir;
    }
}
