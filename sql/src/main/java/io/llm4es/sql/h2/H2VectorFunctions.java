package io.llm4es.sql.h2;

import io.llm4es.udf.error.Llm4esException;
import io.llm4es.udf.vector.Vectors;
import java.sql.SQLException;

/**
 * The vector helpers as H2 Java functions ({@code CREATE ALIAS}). Arguments arrive as Float[]
 * (H2 converts REAL, DOUBLE PRECISION and NUMERIC arrays to it); NULL in gives NULL out.
 */
public final class H2VectorFunctions {
    private H2VectorFunctions() {}

    public static Double cosineSimilarity(Float[] a, Float[] b) throws SQLException {
        if (a == null || b == null) {
            return null;
        }
        try {
            return Vectors.cosineSimilarity(Vectors.fromObjects(a), Vectors.fromObjects(b));
        } catch (Llm4esException e) {
            throw e.toSqlException();
        }
    }

    public static Float[] l2Normalize(Float[] v) throws SQLException {
        if (v == null) {
            return null;
        }
        try {
            return H2Values.boxed(Vectors.l2Normalize(Vectors.fromObjects(v)));
        } catch (Llm4esException e) {
            throw e.toSqlException();
        }
    }

    public static Integer vectorDims(Float[] v) {
        return v == null ? null : v.length;
    }

    public static String toPgvectorText(Float[] v) throws SQLException {
        if (v == null) {
            return null;
        }
        try {
            return Vectors.toPgvectorText(Vectors.fromObjects(v));
        } catch (Llm4esException e) {
            throw e.toSqlException();
        }
    }
}
