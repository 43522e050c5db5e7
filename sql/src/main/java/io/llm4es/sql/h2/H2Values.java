package io.llm4es.sql.h2;

import java.nio.charset.StandardCharsets;

final class H2Values {
    private H2Values() {}

    /** H2 maps a Float[] to an ARRAY of REAL; null stays null. */
    static Float[] boxed(float[] v) {
        if (v == null) {
            return null;
        }
        Float[] out = new Float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return out;
    }

    /** H2 reads bytes as JSON text; a String would become a JSON string literal. */
    static byte[] json(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
