package io.llm4es.sql.calcite;

import java.lang.reflect.Type;
import java.util.function.UnaryOperator;
import org.apache.calcite.adapter.enumerable.EnumerableConvention;
import org.apache.calcite.adapter.enumerable.EnumerableRel;
import org.apache.calcite.interpreter.BindableConvention;
import org.apache.calcite.plan.RelOptPlanner;
import org.apache.calcite.prepare.CalciteCatalogReader;
import org.apache.calcite.prepare.CalcitePrepareImpl;
import org.apache.calcite.prepare.Prepare.CatalogReader;
import org.apache.calcite.rex.RexBuilder;
import org.apache.calcite.sql.util.SqlOperatorTables;
import org.apache.calcite.sql.validate.SqlValidator;
import org.apache.calcite.sql2rel.SqlRexConvertletTable;

/**
 * Calcite's statement preparation with the llm4es operators added to the validator's operator
 * table (Calcite's connection properties can only add its own function libraries), and
 * temporal JSON_OBJECT values written as ISO text ({@link IsoTemporalJson}). The statement is
 * built as CalcitePrepareImpl builds it; only its validator and convertlets differ.
 */
final class Llm4esPrepare extends CalcitePrepareImpl {
    @Override
    protected SqlRexConvertletTable createConvertletTable() {
        return IsoTemporalJson.INSTANCE;
    }

    @Override
    protected CalcitePreparingStmt getPreparingStmt(
            Context context, Type elementType, CalciteCatalogReader catalogReader, RelOptPlanner planner) {
        return new CalcitePreparingStmt(
                this,
                context,
                catalogReader,
                context.getTypeFactory(),
                context.getRootSchema(),
                elementType == Object[].class ? EnumerableRel.Prefer.ARRAY : EnumerableRel.Prefer.CUSTOM,
                createCluster(planner, new RexBuilder(context.getTypeFactory())),
                enableBindable ? BindableConvention.INSTANCE : EnumerableConvention.INSTANCE,
                createConvertletTable()) {
            @Override
            protected SqlValidator createSqlValidator(
                    CatalogReader reader, UnaryOperator<SqlValidator.Config> configTransform) {
                SqlValidator base = super.createSqlValidator(reader, configTransform);
                return new Llm4esValidator(
                        SqlOperatorTables.chain(Llm4esOperators.TABLE, base.getOperatorTable()),
                        (CalciteCatalogReader) reader,
                        context.getTypeFactory(),
                        base.config());
            }
        };
    }
}
