package io.llm4es.sql.calcite;

import io.llm4es.udf.error.Llm4esException;
import io.llm4es.udf.error.SqlState;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.TreeSet;
import javax.sql.DataSource;
import org.apache.calcite.adapter.jdbc.JdbcSchema;
import org.apache.calcite.schema.SchemaPlus;

/**
 * The schemas a {@code jdbc:llm4es:} URL names, each from a property {@code schema.NAME=SOURCE}:
 * a JDBC URL (with optional {@code schema.NAME.user}, {@code .password}, {@code .schema},
 * {@code .catalog}) becomes a Calcite JdbcSchema, {@code files:DIR} a schema of the CSV and
 * Parquet files in DIR.
 */
final class SourceSchemas {
    static final String PREFIX = "schema.";
    static final String FILES = "files:";
    /** The property naming the source whose registry tables resolve model references. */
    static final String REGISTRY = "registry";
    /** The schema of the registry tables in that source. */
    static final String REGISTRY_SCHEMA = "llm4es";

    private SourceSchemas() {}

    /** Adds every named source under {@code root}; returns what must be closed with the connection. */
    static List<AutoCloseable> addAll(SchemaPlus root, Properties props) throws SQLException {
        List<AutoCloseable> resources = new ArrayList<>();
        for (String name : names(props)) {
            String source = props.getProperty(PREFIX + name).trim();
            if (source.startsWith(FILES)) {
                FileDirectory dir = FileDirectory.open(source.substring(FILES.length()));
                resources.add(dir);
                root.add(
                        name,
                        SourceConvention.schema(
                                root, name, dir.dataSource(), FileDirectory.CATALOG, FileDirectory.SCHEMA));
            } else if (source.startsWith("jdbc:")) {
                addJdbc(root, name, source, props);
            } else {
                throw Llm4esException.invalid(
                                "schema." + name + " must be a JDBC URL (jdbc:...) or files:DIR, got '" + source + "'")
                        .toSqlException();
            }
        }
        return resources;
    }

    private static void addJdbc(SchemaPlus root, String name, String url, Properties props) throws SQLException {
        String option = PREFIX + name + ".";
        DataSource ds = JdbcSchema.dataSource(
                url, null, props.getProperty(option + "user"), props.getProperty(option + "password"));
        String catalog = props.getProperty(option + "catalog");
        String schema = props.getProperty(option + "schema");
        if (schema == null) {
            // the source's own default (PUBLIC in H2, main in DuckDB, public in PostgreSQL),
            // so that its system schemas do not mix into the tables
            try (Connection c = ds.getConnection()) {
                schema = c.getSchema();
                catalog = catalog != null ? catalog : c.getCatalog();
            } catch (SQLException e) {
                throw new Llm4esException(
                                SqlState.SYSTEM_ERROR,
                                "cannot connect schema." + name + " to " + url + ": " + e.getMessage(),
                                e)
                        .toSqlException();
            }
        }
        root.add(name, SourceConvention.schema(root, name, ds, catalog, schema));
    }

    /**
     * A connection to the source the {@code registry} property names ({@code registry=NAME}, with
     * {@code schema.NAME} a JDBC URL), whose {@code llm4es} schema holds the model registry; null
     * without the property.
     */
    static Connection registry(Properties props) throws SQLException {
        String name = props.getProperty(REGISTRY);
        if (name == null || name.isBlank()) {
            return null;
        }
        name = name.trim();
        String source = props.getProperty(PREFIX + name);
        if (source == null || !source.trim().startsWith("jdbc:")) {
            throw Llm4esException.invalid(
                            "registry=" + name + " must name a schema whose source is a JDBC URL " + "(schema." + name
                                    + "=jdbc:...), got " + (source == null ? "no such schema" : "'" + source + "'"))
                    .toSqlException();
        }
        String option = PREFIX + name + ".";
        Properties login = new Properties();
        if (props.getProperty(option + "user") != null) {
            login.setProperty("user", props.getProperty(option + "user"));
        }
        if (props.getProperty(option + "password") != null) {
            login.setProperty("password", props.getProperty(option + "password"));
        }
        try {
            return DriverManager.getConnection(source.trim(), login);
        } catch (SQLException e) {
            throw new Llm4esException(
                            SqlState.SYSTEM_ERROR,
                            "cannot connect to the registry " + name + " at " + source + ": " + e.getMessage(),
                            e)
                    .toSqlException();
        }
    }

    /** NAME of every schema.NAME property (not schema.NAME.option), sorted. */
    private static TreeSet<String> names(Properties props) {
        TreeSet<String> out = new TreeSet<>();
        for (String key : props.stringPropertyNames()) {
            if (key.startsWith(PREFIX) && key.indexOf('.', PREFIX.length()) < 0) {
                out.add(key.substring(PREFIX.length()));
            }
        }
        return out;
    }
}
