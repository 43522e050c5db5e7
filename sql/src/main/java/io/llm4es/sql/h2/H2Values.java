package io.llm4es.sql.h2;

final class H2Values {
    private H2Values() {
    }

    /** H2 maps a Float[] to an ARRAY of REAL. */
    static Float[] boxed(float[] v) {
        Float[] out = new Float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return out;
    }
}
