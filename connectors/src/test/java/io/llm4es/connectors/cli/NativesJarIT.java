package io.llm4es.connectors.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;

/**
 * The driver jar holds the native libraries of one platform ({@code -Dllm4es.platform}, default
 * linux-x64) and nothing of the others, and the build leaves no second copy of it in target/.
 */
class NativesJarIT {
    /** per platform: the name each library gives it (ONNX Runtime, DuckDB, DJL tokenizers, JNA) */
    static final Map<String, List<String>> NAMES = Map.of(
            "linux-x64",
                    List.of(
                            "ai/onnxruntime/native/linux-x64/",
                            "libduckdb_java.so_linux_amd64",
                            "native/lib/linux-x86_64/",
                            "com/sun/jna/linux-x86-64/"),
            "linux-aarch64",
                    List.of(
                            "ai/onnxruntime/native/linux-aarch64/",
                            "libduckdb_java.so_linux_arm64",
                            "native/lib/linux-aarch64/",
                            "com/sun/jna/linux-aarch64/"),
            "osx-aarch64",
                    List.of(
                            "ai/onnxruntime/native/osx-aarch64/",
                            "libduckdb_java.so_macos_arm64",
                            "native/lib/osx-aarch64/",
                            "com/sun/jna/darwin-aarch64/"),
            "win-x64",
                    List.of(
                            "ai/onnxruntime/native/win-x64/",
                            "libduckdb_java.so_windows_amd64",
                            "native/lib/win-x86_64/",
                            "com/sun/jna/win32-x86-64/"));

    static boolean isNative(String name) {
        return name.endsWith(".so")
                || name.endsWith(".dylib")
                || name.endsWith(".dll")
                || name.startsWith("libduckdb_java.so_")
                || name.contains(".dSYM/");
    }

    @Test
    void theJarHoldsTheNativesOfExactlyOnePlatform() throws IOException {
        assumeTrue(
                Files.isRegularFile(DriverJarIT.JAR),
                "the jar is not built yet (mvn package builds it and runs this test)");
        String platform = System.getProperty("llm4es.platform", "linux-x64");
        List<String> expected = NAMES.get(platform);
        TreeSet<String> natives = new TreeSet<>();
        try (JarFile jar = new JarFile(DriverJarIT.JAR.toFile())) {
            jar.stream().map(ZipEntry::getName).filter(NativesJarIT::isNative).forEach(natives::add);
        }
        for (String n : natives) {
            assertTrue(
                    expected.stream().anyMatch(n::startsWith), n + " is not a native of " + platform + ": " + natives);
            assertFalse(n.contains(".dSYM/"), "debug symbols: " + n);
        }
        for (String library : expected) {
            assertTrue(natives.stream().anyMatch(n -> n.startsWith(library)), "no " + library + " in " + natives);
        }
    }

    @Test
    void noSecondCopyOfTheJarIsLeftInTarget() throws IOException {
        assumeTrue(Files.isRegularFile(DriverJarIT.JAR), "the jar is not built yet");
        try (var files = Files.list(DriverJarIT.JAR.getParent())) {
            List<String> big = files.filter(p -> p.toString().endsWith(".jar") && !p.equals(DriverJarIT.JAR))
                    .filter(p -> p.toFile().length() > 10_000_000)
                    .map(Path::toString)
                    .toList();
            assertEquals(List.of(), big, "only one large jar in target/");
        }
    }
}
