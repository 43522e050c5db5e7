package io.llm4es.connectors.materialize;

import io.llm4es.udf.digest.Sha256;
import io.llm4es.udf.error.Llm4esException;
import java.nio.ByteBuffer;

/**
 * Shard {@code k/N} (1 ≤ k ≤ N) of the users: those whose id hashes to {@code k-1} modulo N.
 * The hash is the first 8 bytes of the sha256 of the id's text, so every JVM (and any other
 * language) splits the users the same way.
 */
public record Shard(int k, int n) {
    public static final Shard ALL = new Shard(1, 1);

    public static Shard parse(String spec) {
        String[] parts = spec == null ? new String[0] : spec.trim().split("/");
        try {
            if (parts.length == 2) {
                int k = Integer.parseInt(parts[0].trim());
                int n = Integer.parseInt(parts[1].trim());
                if (n >= 1 && k >= 1 && k <= n) {
                    return new Shard(k, n);
                }
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw Llm4esException.invalid("shard '" + spec + "' is not k/N with 1 <= k <= N");
    }

    public boolean contains(String userId) {
        if (n == 1) {
            return true;
        }
        return Math.floorMod(ByteBuffer.wrap(Sha256.of(userId)).getLong(), (long) n) == k - 1;
    }

    @Override
    public String toString() {
        return k + "/" + n;
    }
}
