package io.llm4es.sql.calcite;

import io.llm4es.udf.aggregate.Variant;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.schema.impl.ScalarFunctionImpl;
import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlOperator;
import org.apache.calcite.sql.SqlOperatorTable;
import org.apache.calcite.sql.parser.SqlParserPos;
import org.apache.calcite.sql.type.OperandTypes;
import org.apache.calcite.sql.type.SqlTypeFamily;
import org.apache.calcite.sql.type.SqlTypeName;
import org.apache.calcite.sql.util.SqlOperatorTables;
import org.apache.calcite.sql.validate.SqlUserDefinedFunction;

/**
 * The llm4es functions of every {@code jdbc:llm4es:} connection, as a SQL operator table rather
 * than schema functions: only an operator can allow {@code WITHIN GROUP (ORDER BY ..)} (Calcite
 * forbids it for schema aggregates) and declare an ARRAY's element type. Names are upper case,
 * as Calcite's default lexical policy reads unquoted names.
 */
final class Llm4esOperators {
    static final SqlOperatorTable TABLE = SqlOperatorTables.of(operators());

    private Llm4esOperators() {}

    private static List<SqlOperator> operators() {
        List<SqlOperator> out = new ArrayList<>();
        out.add(Llm4esAggregate.operator("USER_EMBEDDING", Variant.STRICT, Llm4esOperators::realArray, "vector"));
        out.add(Llm4esAggregate.operator("TRY_USER_EMBEDDING", Variant.TRY, Llm4esOperators::realArray, "vector"));
        out.add(Llm4esAggregate.operator("USER_EMBEDDING_RESULT", Variant.RESULT, Llm4esOperators::varchar, "result"));
        out.add(Llm4esAggregate.operator("SERIALIZE_EVENTS", Variant.SERIALIZE, Llm4esOperators::varchar, "text"));
        out.add(vectorFunction("cosineSimilarity", 2, tf -> nullable(tf, tf.createSqlType(SqlTypeName.DOUBLE))));
        out.add(vectorFunction("l2Normalize", 1, Llm4esOperators::realArray));
        out.add(vectorFunction("vectorDims", 1, tf -> nullable(tf, tf.createSqlType(SqlTypeName.INTEGER))));
        out.add(vectorFunction("toPgvectorText", 1, Llm4esOperators::varchar));
        return out;
    }

    /**
     * REAL ARRAY, the type of every embedding; NULL for an empty group. The elements are declared
     * nullable, as H2's are, so that JDBC hands them over as Float[] rather than float[].
     */
    static RelDataType realArray(RelDataTypeFactory tf) {
        return nullable(tf, tf.createArrayType(nullable(tf, tf.createSqlType(SqlTypeName.REAL)), -1));
    }

    private static RelDataType varchar(RelDataTypeFactory tf) {
        return nullable(tf, tf.createSqlType(SqlTypeName.VARCHAR));
    }

    private static RelDataType nullable(RelDataTypeFactory tf, RelDataType type) {
        return tf.createTypeWithNullability(type, true);
    }

    private static SqlOperator vectorFunction(
            String method, int arrays, Function<RelDataTypeFactory, RelDataType> returnType) {
        Method m = Arrays.stream(CalciteVectorFunctions.class.getMethods())
                .filter(candidate -> candidate.getName().equals(method))
                .findFirst()
                .orElseThrow();
        List<SqlTypeFamily> families = new ArrayList<>();
        for (int i = 0; i < arrays; i++) {
            families.add(SqlTypeFamily.ARRAY);
        }
        return new SqlUserDefinedFunction(
                new SqlIdentifier(sqlName(method), SqlParserPos.ZERO),
                SqlKind.OTHER_FUNCTION,
                binding -> returnType.apply(binding.getTypeFactory()),
                // an untyped NULL is read as a DOUBLE ARRAY, so NULL in gives NULL out (not uncompilable code)
                (binding, ret, types) -> java.util.Arrays.fill(
                        types,
                        nullable(
                                binding.getTypeFactory(),
                                binding.getTypeFactory()
                                        .createArrayType(
                                                nullable(
                                                        binding.getTypeFactory(),
                                                        binding.getTypeFactory().createSqlType(SqlTypeName.DOUBLE)),
                                                -1))),
                OperandTypes.operandMetadata(
                        families,
                        tf -> Collections.nCopies(
                                arrays,
                                nullable(
                                        tf,
                                        tf.createArrayType(nullable(tf, tf.createSqlType(SqlTypeName.DOUBLE)), -1))),
                        i -> "v" + (i + 1),
                        i -> false),
                ScalarFunctionImpl.create(m));
    }

    /** cosineSimilarity → COSINE_SIMILARITY */
    private static String sqlName(String javaName) {
        return javaName.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT);
    }
}
