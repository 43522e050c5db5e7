package io.llm4es.sql.calcite;

import io.llm4es.sql.EmbeddingOutcome;
import io.llm4es.sql.StatementScope;
import io.llm4es.udf.aggregate.UserHistory;
import io.llm4es.udf.embed.EmbeddingResult;
import io.llm4es.udf.serialize.SerializedHistory;
import java.util.ArrayList;
import java.util.List;

/**
 * One group of an llm4es aggregate in a Calcite plan. Calcite's generated code creates it per
 * group, feeds it rows, and asks for the result once the whole input has been read, so the
 * first result embeds all of the query's waiting groups in one batch (see UserHistory).
 * A failing row is remembered, not thrown: the strict variants throw it when asked for the
 * result, the lenient ones turn it into NULL or a status.
 */
public final class CalciteGroup {
    private final UserHistory history;
    private RuntimeException failure;

    private CalciteGroup(UserHistory history) {
        this.history = history;
        // the statement's resolver (registry of the registry= source, once per statement); set
        // on this thread by the connection proxy, as Calcite runs the plan on the caller's thread
        StatementScope scope = StatementScope.current();
        if (scope != null && scope.resolver() != null) {
            history.resolveWith(scope.resolver());
        }
    }

    public static CalciteGroup forEmbedding() {
        return new CalciteGroup(new UserHistory());
    }

    public static CalciteGroup forText() {
        return new CalciteGroup(UserHistory.forText());
    }

    /** A row of the portable form {@code f(event, order_key [, model_ref])}. */
    public void add(Object event, Object orderKey, Object modelRef) {
        if (failure != null) {
            return;
        }
        try {
            history.add(event, orderKey, modelRef == null ? null : modelRef.toString());
        } catch (RuntimeException e) {
            failure = e;
        }
    }

    /**
     * A row of the ordered form {@code f(event) WITHIN GROUP (ORDER BY ...)}: Calcite has sorted
     * the group's rows already, so the arrival position is the order key.
     */
    public void addInOrder(Object event) {
        add(event, (long) history.size(), null);
    }

    public List<Float> embedding() {
        throwFailure();
        EmbeddingResult r = history.embedding();
        return r == null ? null : boxed(r.vector());
    }

    public List<Float> tryEmbedding() {
        if (failure != null) {
            return null;
        }
        EmbeddingOutcome o = EmbeddingOutcome.of(history);
        return o.result() == null ? null : boxed(o.result().vector());
    }

    /** user_embedding_result as the same JSON object H2 returns. */
    public String result() {
        EmbeddingOutcome o = failure != null ? EmbeddingOutcome.failed(history, failure) : EmbeddingOutcome.of(history);
        return o.toJson();
    }

    public String text() {
        throwFailure();
        SerializedHistory h = history.serialize();
        return h == null ? null : h.text();
    }

    private void throwFailure() {
        if (failure != null) {
            throw failure;
        }
    }

    /** Calcite's runtime value of a REAL ARRAY is a List of Float. */
    static List<Float> boxed(float[] v) {
        List<Float> out = new ArrayList<>(v.length);
        for (float x : v) {
            out.add(x);
        }
        return out;
    }
}
