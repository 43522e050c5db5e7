package io.llm4es.sql.calcite;

import io.llm4es.sql.StatementScope;
import io.llm4es.udf.aggregate.GroupState;
import io.llm4es.udf.aggregate.Variant;
import java.util.ArrayList;
import java.util.List;

/**
 * One group of an llm4es aggregate in a Calcite plan. Calcite's generated code creates it per
 * group, feeds it rows, and asks for the result once the whole input has been read, so the
 * first result embeds all of the query's waiting groups in one batch (see UserHistory). What
 * each variant makes of the rows is {@link GroupState}'s; this class converts Calcite's values.
 */
public final class CalciteGroup {
    private final GroupState group;

    private CalciteGroup(Variant variant) {
        this.group = new GroupState(variant);
        // the statement's resolver (registry of the registry= source, once per statement); set
        // on this thread by the connection proxy, as Calcite runs the plan on the caller's thread
        StatementScope scope = StatementScope.current();
        if (scope != null && scope.resolver() != null) {
            group.resolveWith(scope.resolver());
        }
    }

    /** A new group of {@code variant} (by name: generated code passes a string constant). */
    public static CalciteGroup of(String variant) {
        return new CalciteGroup(Variant.valueOf(variant));
    }

    /** A row of the portable form {@code f(event, order_key [, model_ref])}. */
    public void add(Object event, Object orderKey, Object modelRef) {
        group.add(event, orderKey, modelRef == null ? null : modelRef.toString());
    }

    /**
     * A row of the ordered form {@code f(event) WITHIN GROUP (ORDER BY ...)}: Calcite has sorted
     * the group's rows already, so the arrival position is the order key.
     */
    public void addInOrder(Object event) {
        add(event, (long) group.events(), null);
    }

    /** user_embedding and try_user_embedding: a REAL ARRAY or NULL. */
    public List<Float> vector() {
        return boxed(group.vector());
    }

    /** user_embedding_result as the same JSON object H2 returns. */
    public String result() {
        return group.outcome().toJson();
    }

    public String text() {
        return group.text();
    }

    /** Calcite's runtime value of a REAL ARRAY is a List of Float. */
    static List<Float> boxed(float[] v) {
        if (v == null) {
            return null;
        }
        List<Float> out = new ArrayList<>(v.length);
        for (float x : v) {
            out.add(x);
        }
        return out;
    }
}
