package io.llm4es.udf.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llm4es.udf.error.Llm4esException;
import io.llm4es.udf.error.SqlState;
import io.llm4es.udf.testing.TestBundles;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelDirectoryTest {
    @TempDir
    Path tmp;

    @Test
    void namesThatAreReallyPathsNeverLeaveTheModelsDirectory() throws Exception {
        Path models = Files.createDirectories(tmp.resolve("models"));
        // a real bundle just outside the models directory: reachable only by a path, never by a name
        TestBundles.copy(ModelBundle.open(new ModelDirectory(models).find("stories260k")), tmp.resolve("outside"));
        ModelDirectory dir = new ModelDirectory(models);
        for (String bad :
                new String[] {"../outside", "..", "/etc/passwd", "a/b", "a\\b", "", " x", "x/../../outside", "..outside"
                }) {
            Llm4esException e = assertThrows(Llm4esException.class, () -> dir.find(bad), bad);
            assertEquals(SqlState.INVALID_PARAMETER_VALUE, e.state(), bad);
        }
    }

    @Test
    void aSymbolicLinkOutOfTheModelsDirectoryIsRefused() throws Exception {
        Path models = Files.createDirectories(tmp.resolve("models"));
        TestBundles.copy(ModelBundle.open(new ModelDirectory(models).find("stories260k")), tmp.resolve("outside"));
        Files.createSymbolicLink(models.resolve("sneaky"), tmp.resolve("outside"));
        Llm4esException e = assertThrows(Llm4esException.class, () -> new ModelDirectory(models).find("sneaky"));
        assertEquals(SqlState.UNDEFINED_OBJECT, e.state());
        assertTrue(e.getMessage().contains("outside"), e.getMessage());
    }

    @Test
    void unknownModelIs42704AndDirectoryBundlesWinOverBundledOnes() throws Exception {
        ModelDirectory dir = new ModelDirectory(tmp);
        assertEquals(
                SqlState.UNDEFINED_OBJECT,
                assertThrows(Llm4esException.class, () -> dir.find("nope")).state());
        assertTrue(dir.find("stories260k").describe().startsWith("classpath:"));
        TestBundles.copy(ModelBundle.open(dir.find("stories260k")), tmp.resolve("stories260k"));
        assertEquals(
                tmp.resolve("stories260k").toRealPath().toString(),
                dir.find("stories260k").describe());
    }
}
