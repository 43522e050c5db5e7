package io.llm4es.examples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Fields of a Linux process's {@code /proc/<pid>/status}: VmHWM (peak resident set), VmRSS (current). */
final class ProcStatus {
    static final Path SELF = Path.of("/proc/self/status");

    private ProcStatus() {}

    /** The field in kB. */
    static long kb(Path status, String field) throws IOException {
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.substring(field.length() + 1).trim().split("\\s+")[0]);
            }
        }
        throw new IllegalStateException("no " + field + " in " + status);
    }
}
