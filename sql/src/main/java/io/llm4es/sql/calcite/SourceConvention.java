package io.llm4es.sql.calcite;

import javax.sql.DataSource;
import org.apache.calcite.adapter.jdbc.JdbcConvention;
import org.apache.calcite.adapter.jdbc.JdbcRules;
import org.apache.calcite.adapter.jdbc.JdbcSchema;
import org.apache.calcite.plan.RelOptPlanner;
import org.apache.calcite.plan.RelOptRule;
import org.apache.calcite.rel.rules.CoreRules;
import org.apache.calcite.schema.SchemaPlus;
import org.apache.calcite.schema.Schemas;
import org.apache.calcite.sql.SqlDialect;

/**
 * The planner rules of a JDBC source, less the one that pushes SELECT-list expressions into the
 * source's SQL: Calcite would send e.g. JSON_OBJECT or JSON_VALUE to an engine that spells them
 * differently (DuckDB) or lacks them (H2's JSON_VALUE). Scans, filters, joins and standard
 * aggregates still run in the source; expressions run in Calcite, the same on every source.
 */
final class SourceConvention extends JdbcConvention {
    private SourceConvention(SqlDialect dialect, SchemaPlus parent, String name) {
        super(dialect, Schemas.subSchemaExpression(parent, name, JdbcSchema.class), name);
    }

    static JdbcSchema schema(SchemaPlus parent, String name, DataSource ds, String catalog, String schema) {
        SqlDialect dialect = JdbcSchema.createDialect(ds);
        return new JdbcSchema(ds, dialect, new SourceConvention(dialect, parent, name), catalog, schema);
    }

    @Override
    public void register(RelOptPlanner planner) {
        for (RelOptRule rule : JdbcRules.rules(this)) {
            if (!(rule instanceof JdbcRules.JdbcProjectRule)) {
                planner.addRule(rule);
            }
        }
        planner.addRule(CoreRules.FILTER_SET_OP_TRANSPOSE);
        planner.addRule(CoreRules.PROJECT_REMOVE);
    }
}
