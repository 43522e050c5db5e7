package io.llm4es.sql.registry;

import io.llm4es.udf.error.Llm4esException;
import io.llm4es.udf.error.SqlState;
import io.llm4es.udf.model.ModelRef;
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
 * UDF runs on a worker thread in the middle of the statement). Looks up exactly as
 * {@link ModelRegistry#lookup} does.
 */
public final class RegistrySnapshot implements RegistryResolver.Lookup {
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
    public RegisteredModel lookup(ModelRef ref) {
        if (models.stream().noneMatch(m -> m.name().equals(ref.name()))) {
            return null;
        }
        String version = ref.version();
        if (ref.alias() != null) {
            version = aliases.get(key(ref.name(), ref.alias()));
            if (version == null) {
                throw new Llm4esException(SqlState.UNDEFINED_OBJECT, "model alias " + ref + " does not exist");
            }
        }
        String wanted = version;
        RegisteredModel found = wanted == null
                ? models.stream().filter(m -> m.name().equals(ref.name()) && m.status().equals("active"))
                        .max(Comparator.comparing(RegisteredModel::created).thenComparing(RegisteredModel::version))
                        .orElse(null)
                : models.stream().filter(m -> m.name().equals(ref.name()) && m.version().equals(wanted))
                        .findFirst().orElse(null);
        if (found == null) {
            throw new Llm4esException(SqlState.UNDEFINED_OBJECT, "model " + ref + " is not registered");
        }
        return found;
    }

    private static String key(String name, String alias) {
        return name + "\u0000" + alias;
    }
}
