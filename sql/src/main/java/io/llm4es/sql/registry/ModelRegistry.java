package io.llm4es.sql.registry;

import io.llm4es.udf.digest.Sha256;
import io.llm4es.udf.embed.EmbeddingModel;
import io.llm4es.udf.embed.ModelCache;
import io.llm4es.udf.error.Llm4esException;
import io.llm4es.udf.error.SqlState;
import io.llm4es.udf.model.ModelDirectory;
import io.llm4es.udf.model.ModelManifest;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;

/**
 * The model registry: tables {@code <schema>.models} and {@code <schema>.model_aliases} in the
 * database the functions run in, so it persists with a file database and is queried like any
 * table. Engine-neutral JDBC; each binding creates the tables with its own DDL ({@link #ddl}).
 */
public final class ModelRegistry extends RegistryRows {
    private final Connection conn;
    private final String models;
    private final String aliases;
    private final String schema;
    private Boolean present;

    /**
     * {@code register_model(name, path)} as the SQL bindings offer it (H2's procedure, DuckDB's Java
     * call): llm4es errors as SQLExceptions with their SQLSTATE; returns {@code name:version}.
     */
    public static String registerModel(Connection conn, String schema, String name, String path) throws SQLException {
        try {
            return new ModelRegistry(conn, schema).register(name, path).versionTag();
        } catch (Llm4esException e) {
            throw e.toSqlException();
        }
    }

    /** {@code set_alias(name, alias, version)} as the SQL bindings offer it. */
    public static void setAlias(Connection conn, String schema, String name, String alias, String version)
            throws SQLException {
        try {
            new ModelRegistry(conn, schema).setAlias(name, alias, version);
        } catch (Llm4esException e) {
            throw e.toSqlException();
        }
    }

    public ModelRegistry(Connection conn, String schema) {
        this.conn = conn;
        this.schema = schema;
        this.models = schema + ".models";
        this.aliases = schema + ".model_aliases";
    }

    /** CREATE TABLE IF NOT EXISTS statements of both tables (standard SQL: H2, DuckDB, PostgreSQL). */
    public static String[] ddl(String schema) {
        return new String[] {
            "CREATE TABLE IF NOT EXISTS " + schema + ".models (name VARCHAR(128) NOT NULL, "
                    + "version VARCHAR(128) NOT NULL, path VARCHAR(4096) NOT NULL, sha256 CHAR(64) NOT NULL, "
                    + "dim INT NOT NULL, pooling VARCHAR(256) NOT NULL, serializer_id CHAR(64) NOT NULL, "
                    + "status VARCHAR(16) NOT NULL, created TIMESTAMP WITH TIME ZONE NOT NULL, "
                    + "PRIMARY KEY (name, version))",
            "CREATE TABLE IF NOT EXISTS " + schema + ".model_aliases (name VARCHAR(128) NOT NULL, "
                    + "alias VARCHAR(128) NOT NULL, version VARCHAR(128) NOT NULL, PRIMARY KEY (name, alias))"
        };
    }

    /**
     * Registers the bundle at {@code path} (relative paths: inside the models directory) under
     * {@code name}; its version is the manifest's. Loading checks the sha256 of every file, so a
     * modified bundle is refused (XX001). Registering the same name:version again with the same
     * files is a no-op; with other files it is refused: a version names one set of weights.
     */
    public RegisteredModel register(String name, String path) throws SQLException {
        Path dir = bundleDir(path);
        EmbeddingModel model = ModelCache.byPath(dir);
        ModelManifest m = model.manifest();
        if (!m.name().equals(name)) {
            throw Llm4esException.invalid("bundle " + dir + " is model '" + m.name() + "', not '" + name + "'");
        }
        RegisteredModel entry = new RegisteredModel(
                name,
                m.version(),
                dir,
                model.bundle().fingerprint(),
                m.embeddingDim(),
                "mean of layers " + m.layersFrom() + ".." + m.layersTo() + " over masked tokens",
                Sha256.hex(m.json().path("serializer").toString()),
                "active",
                OffsetDateTime.now());
        RegisteredModel existing = find(name, m.version());
        if (existing != null) {
            if (!existing.sha256().equals(entry.sha256())) {
                throw new Llm4esException(
                        SqlState.DATA_CORRUPTED,
                        "model " + entry.versionTag()
                                + " is already registered with other files (sha256 " + existing.sha256() + ", now "
                                + entry.sha256() + "); give the new bundle a new version");
            }
            return existing;
        }
        try (PreparedStatement ps = conn.prepareStatement("INSERT INTO " + models
                + " (name, version, path, sha256, dim, pooling, serializer_id, status, created) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, entry.name());
            ps.setString(2, entry.version());
            ps.setString(3, entry.path().toString());
            ps.setString(4, entry.sha256());
            ps.setInt(5, entry.dim());
            ps.setString(6, entry.pooling());
            ps.setString(7, entry.serializerId());
            ps.setString(8, entry.status());
            ps.setObject(9, entry.created());
            ps.executeUpdate();
        }
        return entry;
    }

    /** Points {@code name@alias} at a registered version (moving it if it exists). */
    public void setAlias(String name, String alias, String version) throws SQLException {
        if (alias == null || !alias.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")) {
            throw Llm4esException.invalid("'" + alias + "' is not an alias (letters, digits, '_', '-', '.')");
        }
        if (find(name, version) == null) {
            throw new Llm4esException(
                    SqlState.UNDEFINED_OBJECT,
                    "model " + name + ":" + version + " is not registered; register_model it first");
        }
        try (PreparedStatement del = conn.prepareStatement("DELETE FROM " + aliases + " WHERE name = ? AND alias = ?");
                PreparedStatement ins =
                        conn.prepareStatement("INSERT INTO " + aliases + " (name, alias, version) VALUES (?, ?, ?)")) {
            del.setString(1, name);
            del.setString(2, alias);
            del.executeUpdate();
            ins.setString(1, name);
            ins.setString(2, alias);
            ins.setString(3, version);
            ins.executeUpdate();
        }
    }

    @Override
    boolean knows(String name) throws SQLException {
        return present() && hasName(name);
    }

    /** Whether this database has the registry tables (a PostgreSQL source, say, has none). */
    private boolean present() throws SQLException {
        if (present == null) {
            try (ResultSet rs = conn.getMetaData().getTables(null, null, "%", null)) {
                boolean found = false;
                while (!found && rs.next()) {
                    found = schema.equalsIgnoreCase(rs.getString("TABLE_SCHEM"))
                            && "models".equalsIgnoreCase(rs.getString("TABLE_NAME"));
                }
                present = found;
            }
        }
        return present;
    }

    private boolean hasName(String name) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("SELECT 1 FROM " + models + " WHERE name = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    @Override
    String aliasTarget(String name, String alias) throws SQLException {
        try (PreparedStatement ps =
                conn.prepareStatement("SELECT version FROM " + aliases + " WHERE name = ? AND alias = ?")) {
            ps.setString(1, name);
            ps.setString(2, alias);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    @Override
    RegisteredModel find(String name, String version) throws SQLException {
        return one("SELECT * FROM " + models + " WHERE name = ? AND version = ?", name, version);
    }

    @Override
    RegisteredModel newest(String name) throws SQLException {
        return one(
                "SELECT * FROM " + models + " WHERE name = ? AND status = 'active' ORDER BY created DESC, version DESC",
                name);
    }

    private RegisteredModel one(String sql, String... args) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setString(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? row(rs) : null;
            }
        }
    }

    /** The current row of a {@code SELECT * FROM <schema>.models}. */
    static RegisteredModel row(ResultSet rs) throws SQLException {
        return new RegisteredModel(
                rs.getString("name"),
                rs.getString("version"),
                Path.of(rs.getString("path")),
                rs.getString("sha256").trim(),
                rs.getInt("dim"),
                rs.getString("pooling"),
                rs.getString("serializer_id").trim(),
                rs.getString("status"),
                rs.getObject("created", OffsetDateTime.class));
    }

    /**
     * The bundle directory {@code path} names. A relative path is read inside the models
     * directory and must stay there after links are followed; an absolute path names the
     * bundle's own directory, outside of which nothing is read (see {@code BundleSource}).
     */
    private static Path bundleDir(String path) {
        if (path == null || path.isBlank()) {
            throw Llm4esException.invalid("register_model needs the bundle's directory");
        }
        if (path.indexOf('\0') >= 0) {
            throw Llm4esException.invalid("register_model: the path contains a NUL character");
        }
        Path root = ModelDirectory.fromEnvironment().root();
        Path dir;
        try {
            Path given = Path.of(path);
            dir = root.resolve(given).toAbsolutePath().normalize();
            if (!given.isAbsolute() && !dir.startsWith(root)) {
                throw Llm4esException.invalid("register_model: '" + path + "' leaves the models directory; give a "
                        + "path inside it, or the bundle's absolute path");
            }
        } catch (InvalidPathException e) {
            throw Llm4esException.invalid("register_model: '" + path + "' is not a path: " + e.getReason());
        }
        if (!Files.isRegularFile(dir.resolve(ModelManifest.FILE_NAME))) {
            throw new Llm4esException(
                    SqlState.UNDEFINED_OBJECT, dir + " is not a model bundle (no " + ModelManifest.FILE_NAME + ")");
        }
        if (!Path.of(path).isAbsolute()) {
            try {
                if (!dir.toRealPath().startsWith(root.toRealPath())) {
                    throw Llm4esException.invalid("register_model: '" + path + "' leads out of the models directory "
                            + "through a symbolic link; refused");
                }
            } catch (java.io.IOException e) {
                throw new Llm4esException(SqlState.SYSTEM_ERROR, "cannot resolve " + dir + ": " + e.getMessage(), e);
            }
        }
        return dir;
    }
}
