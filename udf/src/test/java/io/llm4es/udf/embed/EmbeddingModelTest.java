package io.llm4es.udf.embed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;
import io.llm4es.udf.error.Llm4esException;
import io.llm4es.udf.error.SqlState;
import io.llm4es.udf.model.ModelBundle;
import io.llm4es.udf.model.ModelDirectory;
import io.llm4es.udf.serialize.SerializedHistory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class EmbeddingModelTest {
    static final EmbeddingModel MODEL = ModelCache.byName("stories260k");

    static List<String> events(int n, long seed) {
        List<String> lines = new ArrayList<>();
        for (String json : eventJson(n, seed)) {
            lines.add(MODEL.serializer().renderEvent(json));
        }
        return lines;
    }

    /** Generated card transactions as event JSON, oldest first. */
    static List<String> eventJson(int n, long seed) {
        Random rnd = new Random(seed);
        String[] mcc = {"5411", "5812", "5541", "6011", "4900"};
        List<String> events = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            events.add(String.format(
                    java.util.Locale.ROOT,
                    "{\"date\": \"2024-%02d-%02d\", \"type\": \"%s\", \"mcc\": \"%s\", \"amount\": %.2f}",
                    1 + i / 28 % 12,
                    1 + i % 28,
                    rnd.nextBoolean() ? "D" : "C",
                    mcc[rnd.nextInt(mcc.length)],
                    rnd.nextDouble() * 500));
        }
        return events;
    }

    static double cosine(float[] a, float[] b) {
        return io.llm4es.udf.vector.Vectors.cosineSimilarity(a, b);
    }

    @Test
    void aUsersEmbeddingDoesNotDependOnItsBatch() {
        int[] sizes = {1, 2, 5, 17, 40, 3, 80, 1, 9};
        List<SerializedHistory> histories = new ArrayList<>();
        for (int i = 0; i < sizes.length; i++) {
            histories.add(MODEL.serialize(events(sizes[i], i)));
        }
        int shortest =
                histories.stream().mapToInt(h -> h.tokenIds().length).min().orElseThrow();
        int longest =
                histories.stream().mapToInt(h -> h.tokenIds().length).max().orElseThrow();
        assertTrue(longest > 8 * shortest, "lengths must differ a lot: " + shortest + ".." + longest);
        List<EmbeddingResult> batched = MODEL.embed(histories);
        for (int i = 0; i < histories.size(); i++) {
            float[] alone = MODEL.embed(List.of(histories.get(i))).get(0).vector();
            double cos = cosine(alone, batched.get(i).vector());
            assertTrue(cos >= 0.99999, "user " + i + ": cosine " + cos);
        }
    }

    @Test
    void sameInputSameEmbeddingAndResultsComeBackInInputOrder() {
        List<SerializedHistory> h = List.of(MODEL.serialize(events(30, 1)), MODEL.serialize(events(2, 2)));
        List<EmbeddingResult> first = MODEL.embed(h);
        List<EmbeddingResult> reversed = MODEL.embed(List.of(h.get(1), h.get(0)));
        assertTrue(cosine(first.get(0).vector(), reversed.get(1).vector()) >= 0.99999);
        assertTrue(cosine(first.get(1).vector(), reversed.get(0).vector()) >= 0.99999);
        assertTrue(cosine(first.get(0).vector(), first.get(1).vector()) < 0.9999, "different users must differ");
        assertArrayEquals(
                first.get(0).vector(),
                MODEL.embed(List.of(h.get(0), h.get(1))).get(0).vector());
    }

    @Test
    void longHistoriesAreTruncatedToTheBudgetAndSaySo() {
        SerializedHistory h = MODEL.serialize(events(400, 3));
        assertTrue(h.truncated());
        assertTrue(h.tokenIds().length <= MODEL.manifest().tokenBudget());
        EmbeddingResult r = MODEL.embed(List.of(h)).get(0);
        assertEquals(EmbeddingResult.Status.TRUNCATED, r.status());
        assertEquals(400, r.events());
        assertEquals(h.droppedEvents(), r.droppedEvents());
        assertTrue(r.tokens() <= MODEL.manifest().maxTokens());
        assertEquals("stories260k:1", r.modelVersion());
    }

    @Test
    void specialTokensFollowTheManifest() {
        int[] ids = MODEL.tokenizer().withSpecialTokens(MODEL.tokenizer().encode("Once upon a time"));
        assertEquals(MODEL.manifest().bosId(), ids[0]);
        assertEquals(MODEL.tokenizer().encode("Once upon a time").length + 1, ids.length);
    }

    @Test
    void oneLoadedModelPerBundlePerJvm() {
        assertSame(MODEL, ModelCache.byName("stories260k"));
        assertSame(MODEL, ModelCache.byName(null));
    }

    @Test
    void theDefaultCpuBatchShrinksWithTheModelsWidthWithinTheMeasuredRange() {
        assertEquals(8192, EmbeddingModel.defaultBatchTokens(64, Device.CPU));
        assertEquals(4096, EmbeddingModel.defaultBatchTokens(128, Device.CPU));
        assertEquals(2048, EmbeddingModel.defaultBatchTokens(256, Device.CPU));
        assertEquals(2048, EmbeddingModel.defaultBatchTokens(384, Device.CPU));
        assertEquals(2048, EmbeddingModel.defaultBatchTokens(512, Device.CPU));
        assertEquals(2048, EmbeddingModel.defaultBatchTokens(4096, Device.CPU));
        assertEquals(8192, EmbeddingModel.defaultBatchTokens(512, Device.CUDA));
    }

    @Test
    void aModelPlansWithItsWidthsDefaultUnlessTheSettingNamesABudget() {
        assertEquals(8192, MODEL.batchTokens()); // stories260K is 64 wide
        ModelBundle bundle = ModelBundle.open(new ModelDirectory(Path.of("no-such-dir")).find("stories260k"));
        try (EmbeddingModel set = new EmbeddingModel(bundle, Device.CPU, 1, 1024)) {
            assertEquals(1024, set.batchTokens());
        }
    }

    @Test
    void cudaWithoutCudaFailsClearlyAndAutoFallsBackToCpu() {
        ModelBundle bundle = ModelBundle.open(new ModelDirectory(Path.of("no-such-dir")).find("stories260k"));
        if (OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA)) {
            try (EmbeddingModel gpu = new EmbeddingModel(bundle, Device.CUDA, 1, 4096)) {
                assertEquals(Device.CUDA, gpu.device());
            }
            return;
        }
        Llm4esException e = assertThrows(Llm4esException.class, () -> new EmbeddingModel(bundle, Device.CUDA, 1, 4096));
        assertEquals(SqlState.FEATURE_NOT_SUPPORTED, e.state());
        assertTrue(e.getMessage().contains("CUDA"), e.getMessage());
        try (EmbeddingModel auto = new EmbeddingModel(bundle, Device.AUTO, 1, 4096)) {
            assertEquals(Device.CPU, auto.device());
        }
        assertEquals(
                SqlState.INVALID_PARAMETER_VALUE,
                assertThrows(Llm4esException.class, () -> Device.parse("tpu")).state());
    }
}
