package io.llm4es.udf.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llm4es.udf.testing.TestBundles;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One loaded model per bundle, until the bundle on disk is replaced. */
class ModelCacheTest {
    @TempDir
    Path dir;

    @Test
    void aBundleReplacedOnDiskIsLoadedAgainNeverServedStale() throws Exception {
        Path bundle = dir.resolve("swap");
        TestBundles.copy(ModelCache.byName("stories260k").bundle(), bundle);
        EmbeddingModel first = ModelCache.byPath(bundle);
        assertSame(first, ModelCache.byPath(bundle), "unchanged: the loaded model is reused");
        assertEquals(512, first.manifest().maxTokens());

        // the same name, another bundle: a new manifest written in place
        ObjectMapper json = new ObjectMapper();
        Path manifest = bundle.resolve("llm4es-model.json");
        ObjectNode m = (ObjectNode) json.readTree(manifest.toFile());
        m.put("max_tokens", 256);
        Files.writeString(manifest, json.writeValueAsString(m));
        EmbeddingModel second = ModelCache.byPath(bundle);
        assertEquals(256, second.manifest().maxTokens());
        assertNotEquals(first.bundle().fingerprint(), second.bundle().fingerprint());
        assertSame(second, ModelCache.byPath(bundle));
    }
}
