package io.llm4es.connectors.spark;

import io.llm4es.udf.embed.EmbeddingModel;
import io.llm4es.udf.embed.EmbeddingResult;
import io.llm4es.udf.serialize.SerializedHistory;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * One partition of the bulk job, streamed: rows arrive sorted by user, so a user is complete when
 * the next user's first row arrives. Serialized users wait in a window until it holds
 * {@code windowTokens} tokens (or {@link EmbeddingModel#MAX_BATCH_ROWS} users), which then goes to
 * the model in one call; the model splits it into its own token-budget micro-batches. So at any
 * time the partition holds one window and one user's events, whatever its size.
 */
final class UserBatches implements Iterator<Row> {
    private final Iterator<Row> rows;
    private final SparkModels models;
    private final String modelRef;
    private final int windowTokens;
    private final ArrayDeque<Row> ready = new ArrayDeque<>();
    private final List<Object> windowUsers = new ArrayList<>();
    private final List<SerializedHistory> window = new ArrayList<>();
    private int windowSize;
    private Row lookahead;

    UserBatches(Iterator<Row> rows, SparkModels models, String modelRef, int windowTokens) {
        this.rows = rows;
        this.models = models;
        this.modelRef = modelRef;
        this.windowTokens = windowTokens;
        this.lookahead = rows.hasNext() ? rows.next() : null;
    }

    @Override
    public boolean hasNext() {
        while (ready.isEmpty() && (lookahead != null || !window.isEmpty())) {
            if (lookahead == null) {
                flush();
            } else {
                readUser();
            }
        }
        return !ready.isEmpty();
    }

    @Override
    public Row next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        return ready.poll();
    }

    /** Reads one user's rows (input columns: user, event, order key) and serializes them. */
    private void readUser() {
        Object user = lookahead.get(0);
        List<EventBuffer.Row> events = new ArrayList<>();
        while (lookahead != null && Objects.equals(lookahead.get(0), user)) {
            events.add(new EventBuffer.Row(lookahead.getString(1), lookahead.get(2), modelRef));
            lookahead = rows.hasNext() ? rows.next() : null;
        }
        SerializedHistory h;
        try {
            h = GroupHistory.serialized(events, models);
        } catch (RuntimeException e) {
            throw SparkErrors.of(e);
        }
        if (h == null) {
            // every event or key was NULL: the user is reported, as the aggregate gives NULL
            ready.add(RowFactory.create(user, null, "empty", null, 0, null, null));
            return;
        }
        windowUsers.add(user);
        window.add(h);
        windowSize += h.tokenIds().length;
        if (windowSize >= windowTokens || window.size() >= EmbeddingModel.MAX_BATCH_ROWS) {
            flush();
        }
    }

    private void flush() {
        if (window.isEmpty()) {
            return;
        }
        List<EmbeddingResult> results;
        try {
            results = models.resolve(modelRef).embed(window);
        } catch (RuntimeException e) {
            throw SparkErrors.of(e);
        }
        for (int i = 0; i < results.size(); i++) {
            EmbeddingResult r = results.get(i);
            ready.add(RowFactory.create(
                    windowUsers.get(i),
                    SparkTypes.boxed(r.vector()),
                    r.status().name().toLowerCase(java.util.Locale.ROOT),
                    r.modelVersion(),
                    r.events(),
                    r.tokens(),
                    r.droppedEvents()));
        }
        windowUsers.clear();
        window.clear();
        windowSize = 0;
    }
}
