package io.llm4es.udf.aggregate;

import io.llm4es.udf.embed.EmbeddingModel;
import io.llm4es.udf.embed.EmbeddingResult;
import io.llm4es.udf.embed.ModelCache;
import io.llm4es.udf.error.Llm4esException;
import io.llm4es.udf.serialize.OrderKey;
import io.llm4es.udf.serialize.SerializedHistory;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.sql.Clob;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * The state of one group of the aggregates: a user's events, each rendered by the model's
 * serializer as it arrives. Every SQL binding accumulates through this class. Rows whose event
 * or order key is NULL are skipped, as SUM skips NULL.
 */
public final class UserHistory {
    private record Entry(OrderKey key, String line) {
    }

    private static final Comparator<Entry> OLDEST_FIRST =
            Comparator.comparing(Entry::key).thenComparing(Entry::line);

    private final List<Entry> entries = new ArrayList<>();
    private String modelRef;
    private EmbeddingModel model;
    private boolean sorted = true;
    // a result computed in a shared batch, valid while no event has been added since
    private int resultSize = -1;
    private EmbeddingResult result;
    private RuntimeException failure;

    /** Adds one row: {@code modelRef} null means the default model. */
    public void add(Object event, Object orderKey, String modelRef) {
        if (model == null) {
            this.modelRef = modelRef;
        } else if (!Objects.equals(this.modelRef, modelRef)) {
            throw Llm4esException.invalid("one group uses two models ('" + this.modelRef + "' and '" + modelRef
                    + "'); the model reference must be the same for every row of a group");
        }
        if (event == null || orderKey == null) {
            return;
        }
        if (model == null) {
            model = ModelCache.byName(modelRef);
            PendingEmbeddings.register(this);
        }
        OrderKey key = OrderKey.of(orderKey);
        Entry entry = new Entry(key, model.serializer().renderEvent(eventText(event)));
        if (!entries.isEmpty() && OLDEST_FIRST.compare(entries.get(entries.size() - 1), entry) > 0) {
            sorted = false;
        }
        entries.add(entry);
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    public int size() {
        return entries.size();
    }

    /** The model of this group; null while no event has arrived. */
    public EmbeddingModel model() {
        return model;
    }

    /** The exact text the model sees (after the token budget), or null for an empty group. */
    public SerializedHistory serialize() {
        if (entries.isEmpty()) {
            return null;
        }
        if (!sorted) {
            entries.sort(OLDEST_FIRST);
            sorted = true;
        }
        List<String> lines = new ArrayList<>(entries.size());
        for (Entry e : entries) {
            lines.add(e.line());
        }
        return model.serialize(lines);
    }

    /** This group's embedding, computed now or in a batch with other groups; null for an empty group. */
    public EmbeddingResult embedding() {
        if (entries.isEmpty()) {
            return null;
        }
        if (resultSize != entries.size()) {
            PendingEmbeddings.computeWith(this);
        }
        if (failure != null) {
            throw failure;
        }
        return result;
    }

    boolean needsResult() {
        return !entries.isEmpty() && resultSize != entries.size();
    }

    void complete(EmbeddingResult result, RuntimeException failure) {
        this.result = result;
        this.failure = failure;
        this.resultSize = entries.size();
    }

    static String eventText(Object event) {
        if (event instanceof String s) {
            return s;
        }
        if (event instanceof byte[] b) {
            return new String(b, StandardCharsets.UTF_8);
        }
        if (event instanceof Clob c) {
            try (Reader r = c.getCharacterStream()) {
                StringBuilder sb = new StringBuilder();
                char[] buf = new char[4096];
                for (int n; (n = r.read(buf)) > 0; ) {
                    sb.append(buf, 0, n);
                }
                return sb.toString();
            } catch (SQLException | IOException e) {
                throw Llm4esException.invalid("cannot read the event value: " + e.getMessage());
            }
        }
        return event.toString();
    }
}
