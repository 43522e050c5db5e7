package io.llm4es.udf.model;

import io.llm4es.udf.digest.Sha256;
import io.llm4es.udf.error.Llm4esException;
import io.llm4es.udf.error.SqlState;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
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
        MessageDigest identity = Sha256.digest();
        identity.update(manifestBytes);
        for (Map.Entry<String, String> file : new TreeMap<>(manifest.files()).entrySet()) {
            String actual = hashOf(source, file.getKey());
            if (!actual.equalsIgnoreCase(file.getValue())) {
                throw new Llm4esException(
                        SqlState.DATA_CORRUPTED,
                        "model bundle " + source.describe() + ": "
                                + file.getKey() + " does not match its sha256 (manifest " + file.getValue() + ", file "
                                + actual + "); refusing to load a modified bundle");
            }
            identity.update((file.getKey() + "=" + actual + "\n").getBytes(StandardCharsets.UTF_8));
        }
        return new ModelBundle(source, manifest, Sha256.hex(identity));
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

    public byte[] readFile(String file) {
        return read(source, file);
    }

    private static byte[] read(BundleSource source, String file) {
        try (InputStream in = source.open(file)) {
            if (in == null) {
                throw new Llm4esException(
                        SqlState.DATA_CORRUPTED, "model bundle " + source.describe() + " lacks " + file);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new Llm4esException(SqlState.SYSTEM_ERROR, "cannot read " + file + " of " + source.describe(), e);
        }
    }

    private static String hashOf(BundleSource source, String file) {
        try (InputStream in = source.open(file)) {
            if (in == null) {
                throw new Llm4esException(
                        SqlState.DATA_CORRUPTED, "model bundle " + source.describe() + " lacks " + file);
            }
            return Sha256.hex(in);
        } catch (IOException e) {
            throw new Llm4esException(SqlState.SYSTEM_ERROR, "cannot read " + file + " of " + source.describe(), e);
        }
    }
}
