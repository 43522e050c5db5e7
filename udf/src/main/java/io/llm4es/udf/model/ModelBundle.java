package io.llm4es.udf.model;

import io.llm4es.udf.error.Llm4esException;
import io.llm4es.udf.error.SqlState;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * A model bundle whose files have all been checked against the sha256 sums of its manifest.
 * Its fingerprint (a hash over the file hashes and the manifest) is the bundle's identity: the
 * same fingerprint always means the same embeddings.
 */
public final class ModelBundle {
    private final BundleSource source;
    private final ModelManifest manifest;
    private final String fingerprint;

    private ModelBundle(BundleSource source, ModelManifest manifest, String fingerprint) {
        this.source = source;
        this.manifest = manifest;
        this.fingerprint = fingerprint;
    }

    public static ModelBundle open(BundleSource source) {
        byte[] manifestBytes = read(source, ModelManifest.FILE_NAME);
        ModelManifest manifest = ModelManifest.parse(manifestBytes, source.describe());
        MessageDigest identity = sha256();
        identity.update(manifestBytes);
        for (Map.Entry<String, String> file : new TreeMap<>(manifest.files()).entrySet()) {
            String actual = hashOf(source, file.getKey());
            if (!actual.equalsIgnoreCase(file.getValue())) {
                throw new Llm4esException(SqlState.DATA_CORRUPTED, "model bundle " + source.describe() + ": "
                        + file.getKey() + " does not match its sha256 (manifest " + file.getValue() + ", file "
                        + actual + "); refusing to load a modified bundle");
            }
            identity.update((file.getKey() + "=" + actual + "\n").getBytes(StandardCharsets.UTF_8));
        }
        return new ModelBundle(source, manifest, HexFormat.of().formatHex(identity.digest()));
    }

    public ModelManifest manifest() {
        return manifest;
    }

    public BundleSource source() {
        return source;
    }

    public String fingerprint() {
        return fingerprint;
    }

    /** {@code name:version}, stamped on every output. */
    public String versionTag() {
        return manifest.name() + ":" + manifest.version();
    }

    /** Writes the bundle (manifest and files, unchanged) into {@code dir}, e.g. to take a bundled model out of the jar. */
    public void copyTo(java.nio.file.Path dir) {
        try {
            java.nio.file.Files.createDirectories(dir);
            java.nio.file.Files.write(dir.resolve(ModelManifest.FILE_NAME), read(source, ModelManifest.FILE_NAME));
            for (String file : manifest.files().keySet()) {
                try (InputStream in = source.open(file)) {
                    java.nio.file.Files.copy(in, dir.resolve(file), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new Llm4esException(SqlState.SYSTEM_ERROR, "cannot copy " + source.describe() + " to " + dir, e);
        }
    }

    public byte[] readFile(String file) {
        return read(source, file);
    }

    private static byte[] read(BundleSource source, String file) {
        try (InputStream in = source.open(file)) {
            if (in == null) {
                throw new Llm4esException(SqlState.DATA_CORRUPTED, "model bundle " + source.describe() + " lacks " + file);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new Llm4esException(SqlState.SYSTEM_ERROR, "cannot read " + file + " of " + source.describe(), e);
        }
    }

    private static String hashOf(BundleSource source, String file) {
        MessageDigest digest = sha256();
        try (InputStream in = source.open(file)) {
            if (in == null) {
                throw new Llm4esException(SqlState.DATA_CORRUPTED, "model bundle " + source.describe() + " lacks " + file);
            }
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                digest.update(buf, 0, n);
            }
        } catch (IOException e) {
            throw new Llm4esException(SqlState.SYSTEM_ERROR, "cannot read " + file + " of " + source.describe(), e);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
