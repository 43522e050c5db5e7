package io.llm4es.sql.calcite;

import io.llm4es.udf.vector.Vectors;
import java.util.List;

/**
 * The vector helpers as Calcite functions. Calcite hands an ARRAY over as a List (of Float,
 * Double or BigDecimal, as the array's element type says); NULL in gives NULL out.
 */
public final class CalciteVectorFunctions {
    private CalciteVectorFunctions() {}

    public static Double cosineSimilarity(List<?> a, List<?> b) {
        return a == null || b == null ? null : Vectors.cosineSimilarity(floats(a), floats(b));
    }

    public static List<Float> l2Normalize(List<?> v) {
        return v == null ? null : CalciteGroup.boxed(Vectors.l2Normalize(floats(v)));
    }

    public static Integer vectorDims(List<?> v) {
        return v == null ? null : v.size();
    }

    public static String toPgvectorText(List<?> v) {
        return v == null ? null : Vectors.toPgvectorText(floats(v));
    }

    private static float[] floats(List<?> v) {
        return Vectors.fromObjects(v.toArray());
    }
}
