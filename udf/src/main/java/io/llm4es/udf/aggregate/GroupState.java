package io.llm4es.udf.aggregate;

import io.llm4es.udf.embed.EmbeddingResult;
import io.llm4es.udf.embed.ModelResolver;
import io.llm4es.udf.error.Llm4esException;
import io.llm4es.udf.serialize.SerializeOptions;
import io.llm4es.udf.serialize.SerializedHistory;
import java.util.Objects;

/**
 * One group of an llm4es aggregate in any engine: the user's history and what the group's
 * {@link Variant} makes of it. The variants' rules live here only: a strict variant throws a bad
 * row's error at once; a lenient one keeps the first failure as the group's answer, ignores the
 * rest of its rows but still counts them. The bindings only convert values to and from their
 * engine.
 */
public final class GroupState {
    private final Variant variant;
    private final UserHistory history;
    private RuntimeException failure;
    // rows with an event and an order key, counted even after a failure (the outcome's "events")
    private int events;
    private String optionsText;
    private SerializeOptions options = SerializeOptions.NONE;

    public GroupState(Variant variant) {
        this.variant = variant;
        this.history = variant.embeds() ? new UserHistory() : UserHistory.forText();
    }

    public Variant variant() {
        return variant;
    }

    /** Resolves the group's model reference through {@code resolver} (e.g. the statement's registry). */
    public void resolveWith(ModelResolver resolver) {
        history.resolveWith(resolver);
    }

    /** One row {@code (event, order_key [, model_ref])}: {@code modelRef} null means the default model. */
    public void add(Object event, Object orderKey, String modelRef) {
        if (event != null && orderKey != null) {
            events++;
        }
        if (failure != null) {
            return;
        }
        try {
            history.add(event, orderKey, modelRef);
        } catch (RuntimeException e) {
            fail(e);
        }
    }

    /** The rows so far with an event and an order key. */
    public int events() {
        return events;
    }

    /** serialize_events' options (JSON text, null for none), the same for every row of a group. */
    public void options(String text) {
        if (optionsText == null && text != null) {
            try {
                options = SerializeOptions.parse(text);
            } catch (RuntimeException e) {
                fail(e);
                return;
            }
            optionsText = text;
        } else if (!Objects.equals(optionsText, text)) {
            fail(Llm4esException.invalid("one group uses two options values; options must be the same for every row"));
        }
    }

    /** A failure the binding met before it could hand the row over (e.g. an unreadable list of events). */
    public void fail(RuntimeException e) {
        if (!variant.lenient()) {
            throw e;
        }
        if (failure == null) {
            failure = e;
        }
    }

    /** user_embedding / try_user_embedding: the vector, null for an empty group (and for try_, on failure). */
    public float[] vector() {
        if (variant == Variant.TRY) {
            EmbeddingOutcome o = outcome();
            return o.result() == null ? null : o.result().vector();
        }
        throwFailure();
        EmbeddingResult r = logged(history.embedding());
        return r == null ? null : r.vector();
    }

    /** user_embedding_result: what the group came to; never throws. */
    public EmbeddingOutcome outcome() {
        if (failure != null) {
            return EmbeddingOutcome.failed(history, failure, events);
        }
        try {
            EmbeddingResult r = logged(history.embedding());
            return new EmbeddingOutcome(r, null, r == null ? null : r.modelVersion(), events);
        } catch (RuntimeException e) {
            return EmbeddingOutcome.failed(history, e, events);
        }
    }

    /** serialize_events: the exact text the model sees, in the options' rendering; null for an empty group. */
    public String text() {
        throwFailure();
        SerializedHistory h = history.serialize(options.rendering());
        return h == null ? null : h.text();
    }

    private EmbeddingResult logged(EmbeddingResult r) {
        if (r != null && r.status() == EmbeddingResult.Status.TRUNCATED) {
            TruncationLog.record(r.modelVersion(), variant, r.droppedEvents());
        }
        return r;
    }

    private void throwFailure() {
        if (failure != null) {
            throw failure;
        }
    }
}
