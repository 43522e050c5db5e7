package io.llm4es.udf.vector;

import io.llm4es.udf.error.Llm4esException;

/**
 * The vector helpers of the SQL surface ({@code cosine_similarity}, {@code l2_normalize},
 * {@code vector_dims}, {@code to_pgvector_text}), computed once here for every engine. Sums run
 * in double and in index order, so every engine returns the same bits for the same input.
 */
public final class Vectors {
    private Vectors() {}

    /** Cosine of the angle between a and b; null when either is all zeros (the angle is undefined). */
    public static Double cosineSimilarity(float[] a, float[] b) {
        requireSameDims(a, b);
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        if (na == 0 || nb == 0) {
            return null;
        }
        return dot / (Math.sqrt(na) * Math.sqrt(nb));
    }

    /** v scaled to unit length; an all-zero vector is returned unchanged, as pgvector does. */
    public static float[] l2Normalize(float[] v) {
        double sum = 0;
        for (float x : v) {
            sum += (double) x * x;
        }
        float[] out = v.clone();
        if (sum == 0) {
            return out;
        }
        double norm = Math.sqrt(sum);
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (v[i] / norm);
        }
        return out;
    }

    public static int dims(float[] v) {
        return v.length;
    }

    /** The text form pgvector's {@code vector} type accepts: {@code [1.5,2,-0.25]}. */
    public static String toPgvectorText(float[] v) {
        StringBuilder sb = new StringBuilder(v.length * 12 + 2).append('[');
        for (int i = 0; i < v.length; i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(formatFloat(v[i], i));
        }
        return sb.append(']').toString();
    }

    /**
     * Parses {@code [1.5, 2, -0.25]} (pgvector's text, a JSON array of numbers, DuckDB's cast of a
     * FLOAT[] to VARCHAR). Float.parseFloat reads back exactly what Float.toString wrote.
     */
    public static float[] parse(String text) {
        String s = text.trim();
        if (s.length() < 2 || s.charAt(0) != '[' || s.charAt(s.length() - 1) != ']') {
            throw Llm4esException.invalid("a vector is written [x1, x2, ...], got: " + abbreviate(s));
        }
        String body = s.substring(1, s.length() - 1).trim();
        if (body.isEmpty()) {
            return new float[0];
        }
        String[] parts = body.split(",");
        float[] out = new float[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                out[i] = Float.parseFloat(parts[i].trim());
            } catch (NumberFormatException e) {
                throw Llm4esException.invalid(
                        "vector element " + (i + 1) + " is not a number: '" + parts[i].trim() + "'");
            }
        }
        return out;
    }

    /** Converts the element objects an engine hands over for an array (Float, Double, BigDecimal ...). */
    public static float[] fromObjects(Object[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            if (!(values[i] instanceof Number n)) {
                throw Llm4esException.invalid("vector element " + (i + 1) + " is "
                        + (values[i] == null ? "NULL" : "not a number: " + values[i]));
            }
            out[i] = n.floatValue();
        }
        return out;
    }

    private static void requireSameDims(float[] a, float[] b) {
        if (a.length != b.length) {
            throw Llm4esException.invalid("vectors have different dimensions: " + a.length + " and " + b.length);
        }
    }

    private static String formatFloat(float x, int index) {
        if (!Float.isFinite(x)) {
            // pgvector refuses NaN and infinity; say where, rather than write text it will reject
            throw Llm4esException.invalid(
                    "vector element " + (index + 1) + " is " + x + ", which pgvector cannot store");
        }
        return x == (long) x && Math.abs(x) < 1e15 ? Long.toString((long) x) : Float.toString(x);
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
