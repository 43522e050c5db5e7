package io.llm4es.udf.model;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where a bundle's files are read from: a directory, or a folder on the class path (the bundled demo model). */
public interface BundleSource {
    /** Opens a file of the bundle, or returns null if it is absent. */
    InputStream open(String file) throws IOException;

    /** The file on disk, when there is one (ONNX Runtime then maps it instead of copying it into the heap). */
    Path path(String file);

    String describe();

    static BundleSource directory(Path dir) {
        return new BundleSource() {
            @Override
            public InputStream open(String file) throws IOException {
                Path p = dir.resolve(file);
                return Files.isRegularFile(p) ? Files.newInputStream(p) : null;
            }

            @Override
            public Path path(String file) {
                return dir.resolve(file);
            }

            @Override
            public String describe() {
                return dir.toString();
            }
        };
    }

    static BundleSource classpath(String folder) {
        return new BundleSource() {
            @Override
            public InputStream open(String file) {
                return BundleSource.class.getClassLoader().getResourceAsStream(folder + "/" + file);
            }

            @Override
            public Path path(String file) {
                return null;
            }

            @Override
            public String describe() {
                return "classpath:" + folder;
            }
        };
    }
}
