package io.llm4es.sql.calcite;

import io.llm4es.udf.error.Llm4esException;
import io.llm4es.udf.error.SqlState;
import java.util.Locale;
import org.apache.calcite.adapter.java.JavaTypeFactory;
import org.apache.calcite.prepare.CalciteCatalogReader;
import org.apache.calcite.prepare.CalciteSqlValidator;
import org.apache.calcite.sql.SqlAggFunction;
import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlNodeList;
import org.apache.calcite.sql.SqlOperatorTable;
import org.apache.calcite.sql.validate.SqlValidatorScope;

/**
 * Calcite's validator plus the one rule an operator cannot state: an llm4es aggregate is either
 * {@code f(event) WITHIN GROUP (ORDER BY ...)} or {@code f(event, order_key [, model_ref])}.
 */
final class Llm4esValidator extends CalciteSqlValidator {
    Llm4esValidator(SqlOperatorTable opTab, CalciteCatalogReader catalogReader, JavaTypeFactory typeFactory,
            Config config) {
        super(opTab, catalogReader, typeFactory, config);
    }

    @Override
    public void validateAggregateParams(SqlCall aggCall, SqlNode filter, SqlNodeList distinctList,
            SqlNodeList orderList, SqlValidatorScope scope) {
        super.validateAggregateParams(aggCall, filter, distinctList, orderList, scope);
        if (!(aggCall.getOperator() instanceof SqlAggFunction op) || !Llm4esAggregate.isLlm4es(op)) {
            return;
        }
        String f = op.getName().toLowerCase(Locale.ROOT);
        boolean ordered = orderList != null && !orderList.isEmpty();
        if (aggCall.operandCount() == 1 && !ordered) {
            throw new Llm4esException(SqlState.FEATURE_NOT_SUPPORTED, f + "(event) needs its order: write " + f
                    + "(event) WITHIN GROUP (ORDER BY ts) or the portable form " + f + "(event, order_key [, model_ref])");
        }
        if (aggCall.operandCount() > 1 && ordered) {
            throw new Llm4esException(SqlState.FEATURE_NOT_SUPPORTED, f + "(event, order_key ...) sorts by its "
                    + "order_key; WITHIN GROUP (ORDER BY ...) goes with the one-argument form " + f + "(event)");
        }
    }
}
