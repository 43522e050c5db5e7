package io.llm4es.sql.calcite;

import io.llm4es.udf.error.Llm4esException;
import io.llm4es.udf.error.SqlState;
import java.util.Locale;
import java.util.Set;
import org.apache.calcite.adapter.java.JavaTypeFactory;
import org.apache.calcite.prepare.CalciteCatalogReader;
import org.apache.calcite.prepare.CalciteSqlValidator;
import org.apache.calcite.sql.SqlAggFunction;
import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlNodeList;
import org.apache.calcite.sql.SqlOperatorTable;
import org.apache.calcite.sql.validate.SqlValidatorScope;

/**
 * Calcite's validator plus the one rule an operator cannot state: an llm4es aggregate is either
 * {@code f(event) WITHIN GROUP (ORDER BY ...)} or {@code f(event, order_key [, model_ref])}.
 * The ordered form with an ascending first key becomes the portable form on that key, so that
 * ties of the key are broken by the event's rendered text as in every form and engine (later
 * keys of the ORDER BY only broke ties, which the text now does).
 */
final class Llm4esValidator extends CalciteSqlValidator {
    private static final Set<String> AGGREGATES =
            Set.of("USER_EMBEDDING", "TRY_USER_EMBEDDING", "USER_EMBEDDING_RESULT", "SERIALIZE_EVENTS");

    Llm4esValidator(
            SqlOperatorTable opTab, CalciteCatalogReader catalogReader, JavaTypeFactory typeFactory, Config config) {
        super(opTab, catalogReader, typeFactory, config);
    }

    @Override
    protected SqlNode performUnconditionalRewrites(SqlNode node, boolean underFrom) {
        SqlNode rewritten = super.performUnconditionalRewrites(node, underFrom);
        if (rewritten instanceof SqlCall within
                && within.getKind() == SqlKind.WITHIN_GROUP
                && within.operand(0) instanceof SqlCall agg
                && agg.operandCount() == 1
                && AGGREGATES.contains(agg.getOperator().getName().toUpperCase(Locale.ROOT))
                && within.operand(1) instanceof SqlNodeList order
                && !order.isEmpty()) {
            SqlNode key = order.get(0);
            if (key instanceof SqlCall nulls
                    && (nulls.getKind() == SqlKind.NULLS_FIRST || nulls.getKind() == SqlKind.NULLS_LAST)) {
                key = nulls.operand(0);
            }
            if (key instanceof SqlCall desc && desc.getKind() == SqlKind.DESCENDING) {
                return rewritten; // newest first: no portable spelling, the rows' order is taken as given
            }
            return agg.getOperator()
                    .createCall(agg.getFunctionQuantifier(), agg.getParserPosition(), agg.operand(0), key);
        }
        return rewritten;
    }

    @Override
    public void validateAggregateParams(
            SqlCall aggCall, SqlNode filter, SqlNodeList distinctList, SqlNodeList orderList, SqlValidatorScope scope) {
        super.validateAggregateParams(aggCall, filter, distinctList, orderList, scope);
        if (!(aggCall.getOperator() instanceof SqlAggFunction op) || !Llm4esAggregate.isLlm4es(op)) {
            return;
        }
        String f = op.getName().toLowerCase(Locale.ROOT);
        boolean ordered = orderList != null && !orderList.isEmpty();
        if (aggCall.operandCount() == 1 && !ordered) {
            throw new Llm4esException(
                    SqlState.FEATURE_NOT_SUPPORTED,
                    f + "(event) needs its order: write " + f
                            + "(event) WITHIN GROUP (ORDER BY ts) or the portable form " + f
                            + "(event, order_key [, model_ref])");
        }
        if (aggCall.operandCount() > 1 && ordered) {
            throw new Llm4esException(
                    SqlState.FEATURE_NOT_SUPPORTED,
                    f + "(event, order_key ...) sorts by its "
                            + "order_key; WITHIN GROUP (ORDER BY ...) goes with the one-argument form " + f
                            + "(event)");
        }
    }
}
