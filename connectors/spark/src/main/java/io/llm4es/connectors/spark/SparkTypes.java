package io.llm4es.connectors.spark;

import org.apache.spark.sql.Encoder;
import org.apache.spark.sql.catalyst.encoders.AgnosticEncoders;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** The Spark types of llm4es's results: an embedding is ARRAY&lt;FLOAT&gt; (REAL ARRAY in H2). */
final class SparkTypes {
    static final DataType EMBEDDING = DataTypes.createArrayType(DataTypes.FloatType, false);
    static final StructType EMBEDDING_RESULT = new StructType()
            .add("embedding", EMBEDDING, true)
            .add("status", DataTypes.StringType, false)
            .add("model_version", DataTypes.StringType, true)
            .add("events", DataTypes.IntegerType, false)
            .add("tokens", DataTypes.IntegerType, true)
            .add("dropped_events", DataTypes.IntegerType, true)
            .add("message", DataTypes.StringType, true);

    private SparkTypes() {}

    /** Java's Encoders has no primitive-array encoder; this is the one Spark's Scala side derives for Array[Float]. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    static Encoder<float[]> floatArrayEncoder() {
        return (Encoder) new AgnosticEncoders.ArrayEncoder(AgnosticEncoders.PrimitiveFloatEncoder$.MODULE$, false);
    }

    static Float[] boxed(float[] v) {
        Float[] out = new Float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return out;
    }
}
