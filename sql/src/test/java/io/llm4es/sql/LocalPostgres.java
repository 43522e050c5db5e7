package io.llm4es.sql;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * A real PostgreSQL server for tests: a private data directory under target/, initdb and pg_ctl
 * run as the {@code postgres} user (initdb refuses root), listening on 127.0.0.1 on a free port.
 * Without the Debian package the tests skip locally but fail under CI=true, where .ci/run has
 * installed it.
 */
public final class LocalPostgres implements AutoCloseable {
    private final Path bin;
    private final Path data;
    private final int port;

    private LocalPostgres(Path bin, Path data, int port) {
        this.bin = bin;
        this.data = data;
        this.port = port;
    }

    public static LocalPostgres start() throws IOException, InterruptedException {
        Path bin = findBin();
        if (bin == null) {
            String why = "PostgreSQL is not installed (apt-get install -y postgresql)";
            if ("true".equals(System.getenv("CI"))) {
                Assertions.fail(why + "; CI must run the PostgreSQL tests");
            }
            Assumptions.abort(why + "; skipping the PostgreSQL tests locally");
        }
        Path data = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "pg-");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        boolean root = "root".equals(System.getProperty("user.name"));
        if (root) {
            exec(List.of("chown", "postgres:postgres", data.toString()), false);
        }
        exec(
                List.of(
                        bin.resolve("initdb").toString(),
                        "-D",
                        data.toString(),
                        "-U",
                        "postgres",
                        "-A",
                        "trust",
                        "-E",
                        "UTF8",
                        "--no-sync"),
                root);
        exec(
                List.of(
                        bin.resolve("pg_ctl").toString(),
                        "-D",
                        data.toString(),
                        "-w",
                        "-t",
                        "60",
                        "-l",
                        data.resolve("server.log").toString(),
                        "-o",
                        "-p " + port + " -h 127.0.0.1 -k " + data + " -c fsync=off",
                        "start"),
                root);
        return new LocalPostgres(bin, data, port);
    }

    public String url() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres";
    }

    @Override
    public void close() throws IOException, InterruptedException {
        exec(
                List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "immediate", "-w", "stop"),
                "root".equals(System.getProperty("user.name")));
    }

    private static Path findBin() throws IOException {
        Path versions = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(versions)) {
            return null;
        }
        try (var dirs = Files.list(versions)) {
            return dirs.map(d -> d.resolve("bin"))
                    .filter(b -> Files.isExecutable(b.resolve("initdb")))
                    .max(Path::compareTo)
                    .orElse(null);
        }
    }

    private static void exec(List<String> command, boolean asPostgres) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>();
        if (asPostgres) {
            full.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        full.addAll(command);
        Process p = new ProcessBuilder(full).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", full) + " failed:\n" + out);
        }
    }
}
