package io.llm4es.udf.embed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.llm4es.udf.model.ModelManifest;
import io.llm4es.udf.serialize.Event;
import io.llm4es.udf.serialize.EventSerializer;
import io.llm4es.udf.serialize.SerializedHistory;
import io.llm4es.udf.serialize.TokenEncoder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BundleTokenizerTest {
    static final EmbeddingModel MODEL = EmbeddingModelTest.MODEL;

    /** DJL's whole-Encoding path, built as the bundle's tokenizer is: the ids the model was always given. */
    static HuggingFaceTokenizer djl() throws IOException {
        byte[] json = MODEL.bundle().readFile(ModelManifest.TOKENIZER_FILE);
        return HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(json), TokenizerFile.OPTIONS);
    }

    static int[] ints(long[] ids) {
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
        }
        return out;
    }

    @Test
    void idsAreThoseOfDjlsWholeEncoding() throws IOException {
        List<String> texts = new ArrayList<>(List.of(
                "",
                " ",
                "\n",
                "Once upon a time",
                "  two  spaces\n\nand blank lines\n",
                "<s> an added token </s> inside <unk>",
                "caf\u00e9 na\u00efve \u4e2d\u6587 \ud83d\ude00 \u0000 tab\there",
                "date|type|merchant|amount\n2024-01-03, D, Grocery Stores, Supermarkets, 12.50"));
        Random rnd = new Random(11);
        for (int i = 0; i < 40; i++) {
            texts.add(MODEL.serialize(EmbeddingModelTest.events(1 + rnd.nextInt(60), i))
                    .text());
            StringBuilder noise = new StringBuilder();
            for (int c = rnd.nextInt(200); c > 0; c--) {
                noise.appendCodePoint(rnd.nextInt(10) == 0 ? 0x80 + rnd.nextInt(0x2000) : 0x20 + rnd.nextInt(0x5f));
            }
            texts.add(noise.toString());
        }
        try (HuggingFaceTokenizer djl = djl()) {
            for (String text : texts) {
                assertArrayEquals(
                        ints(djl.encode(text, false, false).getIds()),
                        MODEL.tokenizer().encode(text),
                        text);
            }
        }
    }

    /** The ids of the kept text, and the oldest start whose text fits, found by tokenizing every start. */
    @Test
    void theBudgetFitKeepsTheMostEventsThatFitAsAnExhaustiveSearchWould() {
        BundleTokenizer tokenizer = MODEL.tokenizer();
        Random rnd = new Random(5);
        for (int user = 0; user < 25; user++) {
            List<String> lines = EmbeddingModelTest.events(1 + rnd.nextInt(80), 100 + user);
            int budget = 100 + rnd.nextInt(600);
            SerializedHistory h = MODEL.serializer().serialize(lines, tokenizer, budget);
            int oldest = lines.size() - 1;
            while (oldest > 0 && tokenizer.encode(text(lines, oldest - 1)).length <= budget) {
                oldest--;
            }
            assertEquals(lines.size() - oldest, h.keptEvents(), "user " + user + ", budget " + budget);
            assertEquals(text(lines, oldest), h.text());
            assertArrayEquals(tokenizer.encode(h.text()), h.tokenIds());
        }
    }

    @Test
    void everyRenderingKeepsTheMostEventsThatFitAsAnExhaustiveSearchWould() {
        BundleTokenizer tokenizer = MODEL.tokenizer();
        Random rnd = new Random(6);
        for (String rendering : List.of("lines", "json", "yaml", "markdown", "html", "grouped")) {
            EventSerializer s = MODEL.serializer().withRendering(rendering);
            for (int user = 0; user < 6; user++) {
                List<Event> events = new ArrayList<>();
                for (String json : EmbeddingModelTest.eventJson(1 + rnd.nextInt(60), 200 + user)) {
                    events.add(s.event(json));
                }
                int budget = 300 + rnd.nextInt(900);
                int oldest = events.size() - 1;
                if (tokenizer.encode(s.text(events.subList(oldest, events.size()))).length > budget) {
                    continue; // the newest event alone is refused, tested elsewhere
                }
                while (oldest > 0
                        && tokenizer.encode(s.text(events.subList(oldest - 1, events.size()))).length <= budget) {
                    oldest--;
                }
                SerializedHistory h = s.serializeEvents(events, tokenizer, budget);
                assertEquals(
                        events.size() - oldest, h.keptEvents(), rendering + ", user " + user + ", budget " + budget);
                assertEquals(s.text(events.subList(oldest, events.size())), h.text());
                assertArrayEquals(tokenizer.encode(h.text()), h.tokenIds());
            }
        }
    }

    @Test
    void aTruncatedHistoryIsTokenizedAFewTimesNotOncePerKeptEvent() {
        long[] calls = new long[1];
        TokenEncoder counting = new TokenEncoder() {
            @Override
            public int[] encode(String text) {
                calls[0]++;
                return MODEL.tokenizer().encode(text);
            }

            @Override
            public int maxCharsPerToken() {
                return MODEL.tokenizer().maxCharsPerToken();
            }
        };
        SerializedHistory h = MODEL.serializer()
                .serialize(
                        EmbeddingModelTest.events(200, 9),
                        counting,
                        MODEL.manifest().tokenBudget());
        assertTrue(h.truncated());
        assertTrue(h.keptEvents() > 8, h.keptEvents() + " kept");
        assertTrue(calls[0] <= 5, calls[0] + " tokenizations for " + h.keptEvents() + " kept events");
    }

    static String text(List<String> lines, int from) {
        return MODEL.serializer().config().header()
                ? String.join("\n", header(), String.join("\n", lines.subList(from, lines.size())))
                : String.join("\n", lines.subList(from, lines.size()));
    }

    static String header() {
        return String.join(
                MODEL.serializer().config().headerSeparator(),
                MODEL.serializer().config().fields().stream()
                        .map(io.llm4es.udf.serialize.FieldSpec::label)
                        .toList());
    }
}
