package io.llm4es.udf.model;

import io.llm4es.udf.error.Llm4esException;
import io.llm4es.udf.error.SqlState;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/** Where a bundle's files are read from: a directory, or a folder on the class path (the bundled demo model). */
public interface BundleSource {
    /** Opens a file of the bundle, or returns null if it is absent. */
    InputStream open(String file) throws IOException;

    /** The file on disk, when there is one (ONNX Runtime then maps it instead of copying it into the heap). */
    Path path(String file);

    String describe();

    /**
     * What identifies this version of a file (size, modification time, file identity), so that a
     * replaced file is noticed without reading it; constant where files cannot change (class path).
     */
    String stamp(String file);

    /**
     * The bundle in {@code dir}. Every file is looked up inside {@code dir} and, after its links
     * are followed, must still lie inside it: a manifest entry or a symbolic link that points
     * elsewhere is refused (XX001) without reading, hashing or naming what it points at.
     */
    static BundleSource directory(Path dir) {
        return new BundleSource() {
            @Override
            public InputStream open(String file) throws IOException {
                Path p = inside(file);
                return p != null && Files.isRegularFile(p) ? Files.newInputStream(p) : null;
            }

            @Override
            public Path path(String file) {
                try {
                    return inside(file);
                } catch (IOException e) {
                    throw new Llm4esException(
                            SqlState.SYSTEM_ERROR, "cannot read " + file + " of " + dir + ": " + e.getMessage(), e);
                }
            }

            /** The file's real path inside the bundle, or null when it does not exist. */
            private Path inside(String file) throws IOException {
                Path p;
                try {
                    p = dir.resolve(file).normalize();
                } catch (InvalidPathException e) {
                    throw outside(file);
                }
                if (!p.startsWith(dir) || p.equals(dir)) {
                    throw outside(file);
                }
                if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                    return null;
                }
                if (!Files.exists(p)) {
                    throw outside(file); // a dangling link: where it points is no part of the bundle
                }
                Path real = p.toRealPath();
                if (!real.startsWith(dir.toRealPath())) {
                    throw outside(file);
                }
                return real;
            }

            private Llm4esException outside(String file) {
                return new Llm4esException(
                        SqlState.DATA_CORRUPTED,
                        "model bundle " + dir + ": file '"
                                + file.replaceAll("\\p{Cntrl}", "?") + "' does not lie inside the bundle's directory "
                                + "(after following links); refused");
            }

            @Override
            public String stamp(String file) {
                try {
                    Path p = inside(file);
                    if (p == null) {
                        return "absent";
                    }
                    BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                    return a.size() + "/" + a.lastModifiedTime() + "/" + a.fileKey() + "/" + p;
                } catch (IOException | Llm4esException e) {
                    return "unreadable";
                }
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
            public String stamp(String file) {
                return "classpath";
            }

            @Override
            public String describe() {
                return "classpath:" + folder;
            }
        };
    }
}
