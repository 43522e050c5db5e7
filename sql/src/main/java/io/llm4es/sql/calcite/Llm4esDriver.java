package io.llm4es.sql.calcite;

import io.llm4es.sql.SqlStateProxy;
import io.llm4es.sql.StatementScope;
import io.llm4es.sql.registry.ModelRegistry;
import io.llm4es.sql.registry.RegistryResolver;
import io.llm4es.sql.registry.RegistrySnapshot;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.calcite.avatica.ConnectStringParser;
import org.apache.calcite.avatica.DriverVersion;
import org.apache.calcite.jdbc.CalciteConnection;
import org.apache.calcite.jdbc.Driver;

/**
 * The {@code jdbc:llm4es:} JDBC driver: Calcite's driver with the llm4es functions in every
 * statement and the sources the URL names as schemas, e.g.
 * {@code jdbc:llm4es:schema.bank=jdbc:h2:/data/bank;schema.files=files:/data/csv}.
 * Registered through META-INF/services, so DriverManager and SQL tools find it in the jar.
 */
public final class Llm4esDriver extends Driver {
    public static final String PREFIX = "jdbc:llm4es:";

    static {
        new Llm4esDriver().register();
    }

    public Llm4esDriver() {
        super(Llm4esPrepare::new);
    }

    @Override
    protected String getConnectStringPrefix() {
        return PREFIX;
    }

    @Override
    protected DriverVersion createDriverVersion() {
        return new DriverVersion("llm4es JDBC driver (Apache Calcite)", "0.1.0", "llm4es", "0.1.0", true, 0, 1, 0, 1);
    }

    /**
     * Each statement resolves model references once, through the registry tables
     * ({@code llm4es.models}, {@code llm4es.model_aliases}) of the source the {@code registry}
     * property names, or the models directory alone where there is none.
     */
    private static SqlStateProxy.Session session(Connection registry) {
        if (registry == null) {
            return sql -> new StatementScope(new RegistryResolver(RegistrySnapshot.EMPTY));
        }
        return sql ->
                new StatementScope(new RegistryResolver(new ModelRegistry(registry, SourceSchemas.REGISTRY_SCHEMA)));
    }

    @Override
    public Connection connect(String url, Properties info) throws SQLException {
        if (!acceptsURL(url)) {
            return null;
        }
        Properties props = ConnectStringParser.parse(url.substring(PREFIX.length()), info);
        // DuckDB and PostgreSQL name tables in lower case, H2 in upper: match names either way
        props.putIfAbsent("caseSensitive", "false");
        Connection conn = super.connect(url, props);
        try {
            CalciteConnection calcite = conn.unwrap(CalciteConnection.class);
            List<AutoCloseable> sources = new ArrayList<>(SourceSchemas.addAll(calcite.getRootSchema(), props));
            String schema = props.getProperty("schema");
            if (schema != null) {
                calcite.setSchema(schema);
            }
            Connection registry = SourceSchemas.registry(props);
            if (registry != null) {
                sources.add(registry);
            }
            return SqlStateConnection.wrap(conn, sources, session(registry));
        } catch (SQLException | RuntimeException e) {
            conn.close();
            throw e;
        }
    }
}
