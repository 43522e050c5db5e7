package io.llm4es.udf.serialize;

import io.llm4es.udf.digest.Sha256;
import io.llm4es.udf.error.Llm4esException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Renderings mixed in a training corpus, by share: each user gets one rendering, drawn from a
 * hash of the seed and the user id, so a user's rendering never depends on row order, on the
 * other users, or on the machine.
 */
public record CorpusMix(Map<String, Double> shares, long seed) {
    public CorpusMix {
        if (shares.isEmpty()) {
            throw Llm4esException.invalid("corpus_mix: give at least one rendering share");
        }
        double sum = 0;
        for (Map.Entry<String, Double> e : shares.entrySet()) {
            Renderings.byName(e.getKey());
            if (!(e.getValue() > 0 && e.getValue() <= 1)) {
                throw Llm4esException.invalid(
                        "corpus_mix: share of '" + e.getKey() + "' must be in (0, 1], got " + e.getValue());
            }
            sum += e.getValue();
        }
        if (Math.abs(sum - 1) > 1e-6) {
            throw Llm4esException.invalid("corpus_mix: shares must add up to 1, got " + sum);
        }
        shares = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(shares));
    }

    /** Parses {@code lines:0.5,json:0.25,yaml:0.25}. */
    public static CorpusMix parse(String spec, long seed) {
        Map<String, Double> shares = new LinkedHashMap<>();
        for (String part : spec.split(",")) {
            String[] kv = part.trim().split(":");
            if (kv.length != 2) {
                throw Llm4esException.invalid(
                        "mix '" + spec + "': expected rendering:share,... e.g. lines:0.5,json:0.5");
            }
            try {
                if (shares.put(kv[0].trim(), Double.parseDouble(kv[1].trim())) != null) {
                    throw Llm4esException.invalid(
                            "mix '" + spec + "': rendering '" + kv[0].trim() + "' is listed twice");
                }
            } catch (NumberFormatException e) {
                throw Llm4esException.invalid("mix '" + spec + "': '" + kv[1] + "' is not a number");
            }
        }
        return new CorpusMix(shares, seed);
    }

    /** The rendering of one user; the id is compared by its text, as the corpus writes it. */
    public String renderingFor(String userId) {
        double u = uniform(seed + ":" + userId);
        double cumulative = 0;
        String last = null;
        for (Map.Entry<String, Double> e : shares.entrySet()) {
            cumulative += e.getValue();
            last = e.getKey();
            if (u < cumulative) {
                return last;
            }
        }
        return last; // u within rounding of 1
    }

    private static double uniform(String key) {
        byte[] h = Sha256.of(key);
        long bits = 0;
        for (int i = 0; i < 7; i++) {
            bits = (bits << 8) | (h[i] & 0xff);
        }
        return (bits >>> 3) / (double) (1L << 53);
    }
}
