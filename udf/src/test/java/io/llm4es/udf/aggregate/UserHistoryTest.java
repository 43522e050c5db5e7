package io.llm4es.udf.aggregate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llm4es.udf.embed.EmbeddingModel;
import io.llm4es.udf.embed.EmbeddingResult;
import io.llm4es.udf.embed.ModelCache;
import io.llm4es.udf.error.Llm4esException;
import io.llm4es.udf.serialize.Event;
import io.llm4es.udf.serialize.OrderKey;
import io.llm4es.udf.serialize.OrderedEvents;
import io.llm4es.udf.serialize.SerializedHistory;
import io.llm4es.udf.vector.Vectors;
import java.math.BigDecimal;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class UserHistoryTest {
    static final String[] MCC = {"5411", "5812", "5541", "6011", "4900", "7832"};

    record Row(String event, Object key) {}

    /** {@code n} events over a few months, many on the same timestamp, shuffled. */
    static List<Row> rows(int n, long seed) {
        Random rnd = new Random(seed);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            LocalDateTime ts = LocalDateTime.of(2023, 1, 1, 0, 0).plusHours(rnd.nextInt(24 * 120));
            rows.add(new Row(
                    "{\"date\":\"" + ts.toLocalDate() + "\",\"type\":\"" + (rnd.nextBoolean() ? "D" : "C")
                            + "\",\"mcc\":\"" + MCC[rnd.nextInt(MCC.length)] + "\",\"amount\":" + rnd.nextInt(5000)
                            + "."
                            + (10 + rnd.nextInt(90)) + "}",
                    java.sql.Timestamp.valueOf(ts)));
        }
        Collections.shuffle(rows, rnd);
        return rows;
    }

    /** The history as every event's object, sorted once: the way the group state kept it before. */
    static SerializedHistory whole(EmbeddingModel model, List<Row> rows) {
        OrderedEvents all = new OrderedEvents();
        for (Row r : rows) {
            all.add(OrderKey.of(r.key()), model.serializer().event(r.event()));
        }
        List<Event> events = all.oldestFirst();
        return model.serializeEvents(events, null);
    }

    @Test
    void aLongHistoryLetsItsUnkeepableEventsGoAndGivesTheSameTextEmbeddingAndCounts() {
        EmbeddingModel model = ModelCache.byName("stories260k");
        assertTrue(
                model.tokenizer().maxCharsPerToken() < Integer.MAX_VALUE,
                "stories260k's BPE bounds characters per token");
        List<Row> rows = rows(20_000, 7);
        UserHistory h = new UserHistory();
        for (Row r : rows) {
            h.add(r.event(), r.key(), null);
        }
        assertEquals(20_000, h.size());
        assertTrue(h.heldEvents() < 1_000, "held " + h.heldEvents());
        SerializedHistory expected = whole(model, rows);
        SerializedHistory got = h.serialize();
        assertEquals(expected.text(), got.text());
        assertArrayEquals(expected.tokenIds(), got.tokenIds());
        assertEquals(expected.totalEvents(), got.totalEvents());
        assertEquals(expected.droppedEvents(), got.droppedEvents());
        EmbeddingResult r = h.embedding();
        assertEquals(EmbeddingResult.Status.TRUNCATED, r.status());
        assertEquals(expected.droppedEvents(), r.droppedEvents());
        assertEquals(20_000, r.events());
        // the same tokens; the batch it shared may pad differently, within the batching contract
        assertTrue(
                Vectors.cosineSimilarity(model.embed(List.of(expected)).get(0).vector(), r.vector()) >= 0.99999);
    }

    /** A group does not keep its vector once handed over; asked again, it embeds again. */
    @Test
    void anEmbeddingHandedOverIsNotHeldAndComesBackTheSameWhenAskedAgain() {
        UserHistory first = new UserHistory();
        UserHistory second = new UserHistory();
        for (Row r : rows(12, 5)) {
            first.add(r.event(), r.key(), null);
            second.add(r.event(), r.key(), null);
        }
        List<Integer> batches = BatchSizes.record();
        try {
            // groups other tests of this thread left waiting may join the first batch
            EmbeddingResult once = first.embedding();
            assertEquals(1, batches.size());
            assertTrue(batches.get(0) >= 2, "both waiting groups in one batch");
            second.embedding();
            assertEquals(1, batches.size(), "the second group's vector was computed with the first");
            EmbeddingResult again = first.embedding();
            assertEquals(List.of(batches.get(0), 1), batches, "handed over, the first group's vector was not kept");
            // alone, a row runs in a batch of another shape: the same vector up to rounding
            assertTrue(Vectors.cosineSimilarity(once.vector(), again.vector()) >= 0.99999);
            assertTrue(once.vector() != again.vector());
            assertEquals(once.tokens(), again.tokens());
        } finally {
            BatchSizes.stop();
        }
    }

    @Test
    void keysOfEveryKindSortAsBeforeWithTiesBrokenByTheLine() {
        EmbeddingModel model = ModelCache.byName("stories260k");
        List<Row> base = rows(300, 3);
        List<List<Object>> keyKinds = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        Random rnd = new Random(5);
        for (int i = 0; i < base.size(); i++) {
            keyKinds.get(0).add((long) rnd.nextInt(40));
            // fractional numbers and texts have no long form: the keys are kept as objects
            keyKinds.get(1).add(i == 150 ? new BigDecimal("2.5") : BigDecimal.valueOf(rnd.nextInt(40)));
            keyKinds.get(2).add("k" + rnd.nextInt(40));
        }
        for (List<Object> keys : keyKinds) {
            List<Row> rows = new ArrayList<>();
            for (int i = 0; i < base.size(); i++) {
                rows.add(new Row(base.get(i).event(), keys.get(i)));
            }
            UserHistory h = new UserHistory();
            for (Row r : rows) {
                h.add(r.event(), r.key(), null);
            }
            assertEquals(whole(model, rows).text(), h.serialize().text());
        }
    }

    @Test
    void keysOfTwoKindsInOneGroupAreStillRefused() {
        UserHistory h = new UserHistory();
        h.add(rows(1, 1).get(0).event(), 1L, null);
        Llm4esException e = assertThrows(
                Llm4esException.class, () -> h.add(rows(1, 2).get(0).event(), "x", null));
        assertTrue(e.getMessage().contains("mix number and text"), e.getMessage());
    }
}
