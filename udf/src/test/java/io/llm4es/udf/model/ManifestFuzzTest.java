package io.llm4es.udf.model;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.llm4es.udf.error.SqlState;
import io.llm4es.udf.testing.ErrorContract;
import io.llm4es.udf.testing.TestBundles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Manifests as a bundle on disk brings them: read and validated, and where one is valid, written
 * as the manifest of a copy of the bundled model and opened from that directory, which checks
 * every file it names against its sha256. A bad manifest is XX001; anything else is a finding.
 */
class ManifestFuzzTest {
    private static final Set<SqlState> REFUSALS = Set.of(SqlState.DATA_CORRUPTED);

    @TempDir
    static Path tmp;

    private static Path bundle;

    @BeforeAll
    static void copyBundledModel() {
        bundle = tmp.resolve("bundle");
        TestBundles.copy(ModelBundle.open(BundleSource.classpath("io/llm4es/models/stories260k")), bundle);
    }

    @FuzzTest
    @Timeout(5)
    void manifest(byte[] input) {
        ErrorContract.refusesOnlyWith(REFUSALS, new String(input, UTF_8), () -> {
            ModelManifest.parse(input, "fuzz");
            open(input);
        });
    }

    private static void open(byte[] manifest) {
        try {
            Files.write(bundle.resolve(ModelManifest.FILE_NAME), manifest);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ModelBundle.open(BundleSource.directory(bundle));
    }
}
