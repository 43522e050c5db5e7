package io.llm4es.sql.registry;

import io.llm4es.udf.error.Llm4esException;
import io.llm4es.udf.error.SqlState;
import io.llm4es.udf.model.ModelRef;
import java.sql.SQLException;

/**
 * The registry's rows, wherever they are read from (the tables themselves, or a snapshot taken
 * when a statement began), and the one rule by which a reference names one of them.
 */
abstract class RegistryRows implements RegistryResolver.Lookup {
    /**
     * The registered model a reference names, or null when the registry does not know the name
     * (callers then fall back to the models directory). A bare name means its newest active
     * registration; an unknown version or alias of a registered name is an error (42704).
     */
    @Override
    public final RegisteredModel lookup(ModelRef ref) throws SQLException {
        if (!knows(ref.name())) {
            return null;
        }
        String version = ref.version();
        if (ref.alias() != null) {
            version = aliasTarget(ref.name(), ref.alias());
            if (version == null) {
                throw new Llm4esException(SqlState.UNDEFINED_OBJECT, "model alias " + ref + " does not exist");
            }
        }
        RegisteredModel found = version == null ? newest(ref.name()) : find(ref.name(), version);
        if (found == null) {
            throw new Llm4esException(SqlState.UNDEFINED_OBJECT, "model " + ref + " is not registered");
        }
        return found;
    }

    /** Whether any version of {@code name} is registered. */
    abstract boolean knows(String name) throws SQLException;

    /** The version {@code name@alias} points at, or null. */
    abstract String aliasTarget(String name, String alias) throws SQLException;

    abstract RegisteredModel find(String name, String version) throws SQLException;

    /** The newest active registration of {@code name}: latest created, then highest version. */
    abstract RegisteredModel newest(String name) throws SQLException;
}
