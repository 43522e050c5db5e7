package io.llm4es.sql.calcite;

import io.llm4es.udf.aggregate.Variant;
import java.lang.reflect.Method;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.apache.calcite.adapter.enumerable.AggAddContext;
import org.apache.calcite.adapter.enumerable.AggContext;
import org.apache.calcite.adapter.enumerable.AggImplementor;
import org.apache.calcite.adapter.enumerable.AggResetContext;
import org.apache.calcite.adapter.enumerable.AggResultContext;
import org.apache.calcite.linq4j.tree.Expression;
import org.apache.calcite.linq4j.tree.Expressions;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.schema.FunctionParameter;
import org.apache.calcite.schema.ImplementableAggFunction;
import org.apache.calcite.sql.SqlAggFunction;
import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.parser.SqlParserPos;
import org.apache.calcite.sql.type.InferTypes;
import org.apache.calcite.sql.type.OperandTypes;
import org.apache.calcite.sql.type.SqlTypeFamily;
import org.apache.calcite.sql.type.SqlTypeName;
import org.apache.calcite.sql.validate.SqlUserDefinedAggFunction;
import org.apache.calcite.util.Optionality;

/**
 * An llm4es aggregate as Calcite sees it: its SQL signature and result type, and the code
 * Calcite generates for it (one {@link CalciteGroup} per group). Not built on
 * AggregateFunctionImpl: that one derives the result type from the Java class (a float[]
 * would become a MULTISET) and skips every row with a NULL argument, where a NULL model_ref
 * means the default model.
 */
final class Llm4esAggregate implements ImplementableAggFunction, AggImplementor {
    private static final List<String> PARAMS = List.of("event", "order_key", "model_ref");

    private final Variant variant;
    private final Function<RelDataTypeFactory, RelDataType> returnType;
    private final Method result;

    private Llm4esAggregate(
            Variant variant, Function<RelDataTypeFactory, RelDataType> returnType, String resultMethod) {
        this.variant = variant;
        this.returnType = returnType;
        this.result = method(resultMethod);
    }

    /**
     * The SQL operator: {@code f(event, order_key [, model_ref])}, or the ordered form
     * {@code f(event) WITHIN GROUP (ORDER BY ...)} ({@link Llm4esValidator} checks which one a call
     * is). One operator, not one per arity: Calcite binds a WITHIN GROUP call to its aggregate
     * only when the name has a single operator.
     */
    static SqlUserDefinedAggFunction operator(
            String name, Variant variant, Function<RelDataTypeFactory, RelDataType> returnType, String resultMethod) {
        Llm4esAggregate f = new Llm4esAggregate(variant, returnType, resultMethod);
        return new SqlUserDefinedAggFunction(
                new SqlIdentifier(name, SqlParserPos.ZERO),
                SqlKind.OTHER_FUNCTION,
                binding -> f.getReturnType(binding.getTypeFactory()),
                InferTypes.ANY_NULLABLE,
                OperandTypes.operandMetadata(
                        List.of(SqlTypeFamily.ANY, SqlTypeFamily.ANY, SqlTypeFamily.CHARACTER),
                        f::paramTypes,
                        PARAMS::get,
                        i -> i > 0),
                f,
                false,
                false,
                Optionality.OPTIONAL);
    }

    static boolean isLlm4es(SqlAggFunction op) {
        return op instanceof SqlUserDefinedAggFunction u && u.function instanceof Llm4esAggregate;
    }

    private List<RelDataType> paramTypes(RelDataTypeFactory tf) {
        List<RelDataType> out = new ArrayList<>();
        for (FunctionParameter p : getParameters()) {
            out.add(p.getType(tf));
        }
        return out;
    }

    @Override
    public RelDataType getReturnType(RelDataTypeFactory typeFactory) {
        return returnType.apply(typeFactory);
    }

    @Override
    public List<FunctionParameter> getParameters() {
        List<FunctionParameter> out = new ArrayList<>();
        for (int i = 0; i < PARAMS.size(); i++) {
            out.add(new Parameter(i, PARAMS.get(i)));
        }
        return out;
    }

    @Override
    public AggImplementor getImplementor(boolean windowContext) {
        return this;
    }

    @Override
    public List<Type> getStateType(AggContext info) {
        return List.of(CalciteGroup.class);
    }

    @Override
    public void implementReset(AggContext info, AggResetContext reset) {
        reset.currentBlock()
                .add(Expressions.statement(Expressions.assign(
                        reset.accumulator().get(0),
                        Expressions.call(method("of", String.class), Expressions.constant(variant.name())))));
    }

    @Override
    public void implementAdd(AggContext info, AggAddContext add) {
        List<Expression> args = new ArrayList<>();
        for (Expression a : add.arguments()) {
            args.add(Expressions.box(a));
        }
        if (args.size() == 2) {
            args.add(Expressions.constant(null, Object.class));
        }
        Method m = args.size() == 1
                ? method("addInOrder", Object.class)
                : method("add", Object.class, Object.class, Object.class);
        add.currentBlock()
                .add(Expressions.statement(Expressions.call(add.accumulator().get(0), m, args)));
    }

    @Override
    public Expression implementResult(AggContext info, AggResultContext result) {
        return Expressions.call(result.accumulator().get(0), this.result);
    }

    private static Method method(String name, Class<?>... params) {
        try {
            return CalciteGroup.class.getMethod(name, params);
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(e);
        }
    }

    private record Parameter(int ordinal, String name) implements FunctionParameter {
        @Override
        public int getOrdinal() {
            return ordinal;
        }

        @Override
        public String getName() {
            return name;
        }

        @Override
        public RelDataType getType(RelDataTypeFactory tf) {
            return tf.createTypeWithNullability(
                    tf.createSqlType(name.equals("model_ref") ? SqlTypeName.VARCHAR : SqlTypeName.ANY), true);
        }

        @Override
        public boolean isOptional() {
            return ordinal > 0;
        }
    }
}
