package io.llm4es.udf.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llm4es.udf.error.Llm4esException;
import io.llm4es.udf.error.SqlState;
import io.llm4es.udf.testing.TestBundles;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelBundleTest {
    @TempDir
    Path tmp;

    private Path copyOfBundledModel() {
        Path dir = tmp.resolve("m");
        TestBundles.copy(ModelBundle.open(new ModelDirectory(tmp).find("stories260k")), dir);
        return dir;
    }

    @Test
    void aCopyHasTheSameFingerprintAndManifest() {
        ModelBundle original = ModelBundle.open(new ModelDirectory(tmp).find("stories260k"));
        ModelBundle copy = ModelBundle.open(BundleSource.directory(copyOfBundledModel()));
        assertEquals(original.fingerprint(), copy.fingerprint());
        assertEquals("stories260k:1", copy.versionTag());
        assertEquals(64, copy.manifest().embeddingDim());
    }

    @Test
    void aModifiedFileIsRefused() throws Exception {
        Path dir = copyOfBundledModel();
        Path tokenizer = dir.resolve("tokenizer.json");
        Files.writeString(tokenizer, Files.readString(tokenizer).replaceFirst("\\{", "{ "));
        Llm4esException e = assertThrows(Llm4esException.class, () -> ModelBundle.open(BundleSource.directory(dir)));
        assertEquals(SqlState.DATA_CORRUPTED, e.state());
        assertTrue(e.getMessage().contains("tokenizer.json does not match its sha256"), e.getMessage());
    }

    @Test
    void aMissingFileOrBrokenManifestIsRefused() throws Exception {
        Path dir = copyOfBundledModel();
        Files.delete(dir.resolve("model.onnx"));
        assertEquals(
                SqlState.DATA_CORRUPTED,
                assertThrows(Llm4esException.class, () -> ModelBundle.open(BundleSource.directory(dir)))
                        .state());
        Path dir2 = tmp.resolve("m2");
        TestBundles.copy(ModelBundle.open(new ModelDirectory(tmp).find("stories260k")), dir2);
        Path manifest = dir2.resolve(ModelManifest.FILE_NAME);
        Files.writeString(manifest, Files.readString(manifest).replace("\"embedding_dim\"", "\"embedding_dims\""));
        Llm4esException e = assertThrows(Llm4esException.class, () -> ModelBundle.open(BundleSource.directory(dir2)));
        assertTrue(e.getMessage().contains("embedding_dim"), e.getMessage());
    }

    @Test
    void theEmbeddingWidthMustMatchTheTokenPooling() throws Exception {
        Path dir = copyOfBundledModel();
        Path manifest = dir.resolve(ModelManifest.FILE_NAME);
        String original = Files.readString(manifest);
        // mean and max concatenated: twice the hidden size, 64 is not
        Files.writeString(manifest, original.replace("\"masked_mean\"", "\"masked_mean_max\""));
        Llm4esException e = assertThrows(Llm4esException.class, () -> ModelBundle.open(BundleSource.directory(dir)));
        assertEquals(SqlState.DATA_CORRUPTED, e.state());
        assertTrue(e.getMessage().contains("embedding_dim 64 is not 2 x hidden_size 64"), e.getMessage());
        Files.writeString(
                manifest,
                original.replace("\"masked_mean\"", "\"masked_mean_max\"")
                        .replace("\"embedding_dim\": 64", "\"embedding_dim\": 128"));
        assertEquals(
                128, ModelBundle.open(BundleSource.directory(dir)).manifest().embeddingDim());
        Files.writeString(manifest, original.replace("\"masked_mean\"", "\"median\""));
        e = assertThrows(Llm4esException.class, () -> ModelBundle.open(BundleSource.directory(dir)));
        assertTrue(
                e.getMessage().contains("token_reduce 'median' is not one of last_token, masked_mean, masked_mean_max"),
                e.getMessage());
    }

    @Test
    void editingTheManifestChangesTheFingerprint() throws Exception {
        Path dir = copyOfBundledModel();
        String before = ModelBundle.open(BundleSource.directory(dir)).fingerprint();
        Path manifest = dir.resolve(ModelManifest.FILE_NAME);
        Files.writeString(manifest, Files.readString(manifest).replace("\"max_tokens\": 512", "\"max_tokens\": 256"));
        assertNotEquals(before, ModelBundle.open(BundleSource.directory(dir)).fingerprint());
    }

    @Test
    void aSerializerDictionaryFileOutsideTheBundleIsNeverRead() throws Exception {
        Path dir = copyOfBundledModel();
        Path outside = Files.writeString(tmp.resolve("codes.csv"), "code,description\nD,debit outside\n");
        Path manifest = dir.resolve(ModelManifest.FILE_NAME);
        Files.writeString(
                manifest,
                Files.readString(manifest)
                        .replaceFirst(
                                "\"dictionary\": \\{\\s*\"D\": \"debit\",\\s*\"C\": \"credit\"\\s*}",
                                "\"dictionary_ref\": \"file:" + outside + "\""));
        assertTrue(Files.readString(manifest).contains("file:"), "the manifest names the file");
        Llm4esException e = assertThrows(Llm4esException.class, () -> ModelBundle.open(BundleSource.directory(dir)));
        assertEquals(SqlState.DATA_CORRUPTED, e.state());
        assertTrue(e.getMessage().contains("dictionary file"), e.getMessage());
    }
}
