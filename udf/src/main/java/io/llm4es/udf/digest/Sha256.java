package io.llm4es.udf.digest;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * SHA-256, the one digest of llm4es: bundle integrity and identity, text fingerprints that let
 * a job skip unchanged users, shard assignment, dictionary pins. Every JVM (and Python's
 * hashlib) computes the same value, which is why fingerprints and shards may cross processes.
 */
public final class Sha256 {
    private Sha256() {}

    /** A fresh digest, for callers that feed it in parts. */
    public static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            // every Java platform must provide SHA-256 (java.security.MessageDigest's contract)
            throw new IllegalStateException(e);
        }
    }

    public static byte[] of(byte[] data) {
        return digest().digest(data);
    }

    public static byte[] of(String text) {
        return of(text.getBytes(StandardCharsets.UTF_8));
    }

    public static String hex(byte[] data) {
        return HexFormat.of().formatHex(of(data));
    }

    /** Lower-case hex of the UTF-8 bytes of {@code text}. */
    public static String hex(String text) {
        return hex(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Lower-case hex of everything {@code in} holds (read to its end, not closed). */
    public static String hex(InputStream in) throws IOException {
        MessageDigest d = digest();
        byte[] buf = new byte[1 << 16];
        for (int n; (n = in.read(buf)) > 0; ) {
            d.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(d.digest());
    }

    public static String hex(MessageDigest finished) {
        return HexFormat.of().formatHex(finished.digest());
    }
}
