package io.llm4es.sql.calcite;

import java.util.ArrayList;
import java.util.List;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rex.RexBuilder;
import org.apache.calcite.rex.RexCall;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.fun.SqlJsonObjectFunction;
import org.apache.calcite.sql.type.SqlTypeName;
import org.apache.calcite.sql2rel.SqlRexConvertlet;
import org.apache.calcite.sql2rel.SqlRexConvertletTable;
import org.apache.calcite.sql2rel.StandardConvertletTable;

/**
 * Calcite's SQL-to-expression conversion, except that a DATE, TIME or TIMESTAMP value of
 * {@code JSON_OBJECT} becomes its ISO text. Calcite holds those values as numbers (days or
 * milliseconds since the epoch) and writes the number into the JSON, so an event built as
 * {@code JSON_OBJECT('date': d, ...)} would reach the serializer as {@code "date": 19727}
 * where H2 and DuckDB write {@code "2024-01-05"}.
 */
final class IsoTemporalJson implements SqlRexConvertletTable {
    static final IsoTemporalJson INSTANCE = new IsoTemporalJson();

    private IsoTemporalJson() {}

    @Override
    public SqlRexConvertlet get(SqlCall call) {
        SqlRexConvertlet standard = StandardConvertletTable.INSTANCE.get(call);
        if (standard == null || !(call.getOperator() instanceof SqlJsonObjectFunction)) {
            return standard;
        }
        return (cx, c) -> isoValues(cx.getRexBuilder(), standard.convertCall(cx, c));
    }

    private static RexNode isoValues(RexBuilder rex, RexNode node) {
        if (!(node instanceof RexCall call) || !(call.getOperator() instanceof SqlJsonObjectFunction)) {
            return node;
        }
        RelDataType text = rex.getTypeFactory()
                .createTypeWithNullability(rex.getTypeFactory().createSqlType(SqlTypeName.VARCHAR), true);
        List<RexNode> operands = new ArrayList<>();
        boolean changed = false;
        for (RexNode operand : call.getOperands()) {
            if (isTemporal(operand.getType().getSqlTypeName())) {
                operands.add(rex.makeCast(text, operand));
                changed = true;
            } else {
                operands.add(operand);
            }
        }
        return changed ? call.clone(call.getType(), operands) : call;
    }

    private static boolean isTemporal(SqlTypeName type) {
        return type == SqlTypeName.DATE || type == SqlTypeName.TIME || type == SqlTypeName.TIMESTAMP;
    }
}
