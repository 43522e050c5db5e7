package io.llm4es.sql.registry;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The registry tables as they were when a statement began, read once on the calling thread: for
 * an engine whose functions cannot query their own database while a statement runs (a DuckDB
 * UDF runs on a worker thread in the middle of the statement). Looks up by the same rule
 * ({@link RegistryRows#lookup}) as the tables themselves.
 */
public final class RegistrySnapshot extends RegistryRows {
    /** No registry: every name comes from the models directory. */
    public static final RegistrySnapshot EMPTY = new RegistrySnapshot(List.of(), Map.of());

    private final List<RegisteredModel> models;
    private final Map<String, String> aliases;

    private RegistrySnapshot(List<RegisteredModel> models, Map<String, String> aliases) {
        this.models = models;
        this.aliases = aliases;
    }

    /** Reads {@code <schema>.models} and {@code <schema>.model_aliases} of {@code conn}, which must have them. */
    public static RegistrySnapshot read(Connection conn, String schema) throws SQLException {
        List<RegisteredModel> models = new ArrayList<>();
        Map<String, String> aliases = new HashMap<>();
        try (Statement st = conn.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT * FROM " + schema + ".models")) {
                while (rs.next()) {
                    models.add(ModelRegistry.row(rs));
                }
            }
            try (ResultSet rs = st.executeQuery("SELECT name, alias, version FROM " + schema + ".model_aliases")) {
                while (rs.next()) {
                    aliases.put(key(rs.getString(1), rs.getString(2)), rs.getString(3));
                }
            }
        }
        return new RegistrySnapshot(models, aliases);
    }

    @Override
    boolean knows(String name) {
        return models.stream().anyMatch(m -> m.name().equals(name));
    }

    @Override
    String aliasTarget(String name, String alias) {
        return aliases.get(key(name, alias));
    }

    @Override
    RegisteredModel find(String name, String version) {
        return models.stream()
                .filter(m -> m.name().equals(name) && m.version().equals(version))
                .findFirst()
                .orElse(null);
    }

    @Override
    RegisteredModel newest(String name) {
        return models.stream()
                .filter(m -> m.name().equals(name) && m.status().equals("active"))
                .max(Comparator.comparing(RegisteredModel::created).thenComparing(RegisteredModel::version))
                .orElse(null);
    }

    private static String key(String name, String alias) {
        return name + "\u0000" + alias;
    }
}
