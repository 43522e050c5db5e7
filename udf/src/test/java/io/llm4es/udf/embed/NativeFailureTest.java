package io.llm4es.udf.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llm4es.udf.error.Llm4esException;
import io.llm4es.udf.error.SqlState;
import io.llm4es.udf.testing.TestBundles;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A bundle that passes its sha256 check but that ONNX Runtime cannot load is a native failure, 58000. */
class NativeFailureTest {
    @Test
    void anUnloadableModelIs58000(@TempDir Path dir) throws Exception {
        Path bundle = TestBundles.unloadable(dir.resolve("broken"), "broken");
        Llm4esException e = assertThrows(Llm4esException.class, () -> ModelCache.byPath(bundle));
        assertEquals(SqlState.SYSTEM_ERROR, e.state());
        assertTrue(e.getMessage().startsWith("ONNX Runtime cannot load " + bundle), e.getMessage());
    }
}
