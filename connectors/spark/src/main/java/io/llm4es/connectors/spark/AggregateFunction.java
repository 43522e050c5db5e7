package io.llm4es.connectors.spark;

import io.llm4es.udf.error.Llm4esException;
import io.llm4es.udf.error.SqlState;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.apache.spark.sql.Encoder;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.FunctionIdentifier;
import org.apache.spark.sql.catalyst.analysis.FunctionRegistry;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.ExpressionInfo;
import org.apache.spark.sql.catalyst.expressions.Literal;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DateType;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegralType;
import org.apache.spark.sql.types.NullType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.TimestampNTZType;
import org.apache.spark.sql.types.TimestampType;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * One aggregate of the SQL surface in Spark SQL. A typed Spark UDAF has a fixed arity and fixed
 * input types, but {@code user_embedding} takes 2 to 3 (or 4) arguments and orders by a number,
 * a time or a string exactly as the other engines do; so the public name is a function builder
 * that checks the call and hands it, padded with NULLs, to the typed UDAF for the order key's
 * kind (registered under {@code llm4es_<name>_by_<kind>}).
 */
final class AggregateFunction {
    private enum KeyKind {
        NUMBER(Encoders.DECIMAL()),
        FLOATING(Encoders.DOUBLE()),
        TIME(Encoders.TIMESTAMP()),
        TEXT(Encoders.STRING());

        final Encoder<?> encoder;

        KeyKind(Encoder<?> encoder) {
            this.encoder = encoder;
        }
    }

    private final String name;
    private final int maxArguments;
    private final String signature;
    private final Function<SparkModels, HistoryAggregator<?>> aggregator;

    AggregateFunction(
            String name, int maxArguments, String signature, Function<SparkModels, HistoryAggregator<?>> aggregator) {
        this.name = name;
        this.maxArguments = maxArguments;
        this.signature = signature;
        this.aggregator = aggregator;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    void register(SparkSession spark, FunctionRegistry registry, SparkModels models) {
        for (KeyKind kind : KeyKind.values()) {
            Encoder in = Encoders.tuple(Encoders.STRING(), kind.encoder, Encoders.STRING(), Encoders.STRING());
            spark.udf().register(typedName(kind), functions.udaf((HistoryAggregator) aggregator.apply(models), in));
        }
        ExpressionInfo info = new ExpressionInfo(
                AggregateFunction.class.getName(),
                null,
                name,
                name + signature,
                "",
                "",
                "",
                "agg_funcs",
                "",
                "",
                "java_udf");
        registry.registerFunction(FunctionIdentifier.apply(name), info, (scala.Function1<Seq<Expression>, Expression>)
                children -> build(registry, children));
    }

    private Expression build(FunctionRegistry registry, Seq<Expression> children) {
        List<Expression> args = new ArrayList<>(CollectionConverters.asJava(children));
        if (args.size() == 1) {
            throw SparkErrors.of(new Llm4esException(
                    SqlState.FEATURE_NOT_SUPPORTED,
                    "Spark SQL has no ordered form " + name
                            + "(event ORDER BY ts) for a user aggregate; write the portable form " + name + signature));
        }
        if (args.size() < 2 || args.size() > maxArguments) {
            throw SparkErrors.of(
                    Llm4esException.invalid(name + " takes " + signature + ", got " + args.size() + " argument(s)"));
        }
        KeyKind kind = kindOf(args.get(1).dataType());
        while (args.size() < 4) {
            args.add(Literal.create(null, DataTypes.StringType));
        }
        try {
            return registry.lookupFunction(
                    FunctionIdentifier.apply(typedName(kind)),
                    CollectionConverters.asScala(args).toSeq());
        } catch (Exception e) {
            // an AnalysisException (Scala throws it unchecked) passes on to the caller as it is
            throw AggregateFunction.<RuntimeException>unchecked(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static <E extends Exception> E unchecked(Exception e) throws E {
        throw (E) e;
    }

    private KeyKind kindOf(DataType t) {
        if (t instanceof IntegralType || t instanceof DecimalType) {
            return KeyKind.NUMBER;
        }
        if (t instanceof FloatType || t instanceof DoubleType) {
            return KeyKind.FLOATING;
        }
        if (t instanceof TimestampType || t instanceof TimestampNTZType || t instanceof DateType) {
            return KeyKind.TIME;
        }
        if (t instanceof StringType || t instanceof NullType) {
            return KeyKind.TEXT;
        }
        throw SparkErrors.of(Llm4esException.invalid(name + ": an order key of type " + t.simpleString()
                + " is not supported (use a number, date, timestamp or string)"));
    }

    private String typedName(KeyKind kind) {
        return "llm4es_" + name + "_by_" + kind.name().toLowerCase(java.util.Locale.ROOT);
    }
}
