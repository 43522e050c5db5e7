package io.llm4es.sql.registry;

import io.llm4es.udf.embed.EmbeddingModel;
import io.llm4es.udf.embed.ModelCache;
import io.llm4es.udf.embed.ModelResolver;
import io.llm4es.udf.error.Llm4esException;
import io.llm4es.udf.error.SqlState;
import io.llm4es.udf.model.ModelDirectory;
import io.llm4es.udf.model.ModelRef;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;

/**
 * Resolves references through a database's registry, falling back to the models directory for
 * names the registry does not know. One instance serves one statement (or one job): each
 * reference is resolved once and kept, so an alias moved while the statement runs does not
 * change the model under it.
 */
public final class RegistryResolver implements ModelResolver {
    /** Where registered models are looked up: the registry tables, or a snapshot of them. */
    @FunctionalInterface
    public interface Lookup {
        /** The registered model {@code ref} names; null when the registry does not know the name. */
        RegisteredModel lookup(ModelRef ref) throws SQLException;
    }

    private final Lookup registry;
    private final Map<String, EmbeddingModel> resolved = new HashMap<>();

    public RegistryResolver(ModelRegistry registry) {
        this((Lookup) registry::lookup);
    }

    public RegistryResolver(Lookup registry) {
        this.registry = registry;
    }

    @Override
    public synchronized EmbeddingModel resolve(String modelRef) {
        String ref = modelRef == null ? ModelDirectory.defaultModelName() : modelRef;
        EmbeddingModel model = resolved.get(ref);
        if (model == null) {
            model = load(ModelRef.parse(ref));
            resolved.put(ref, model);
        }
        return model;
    }

    private EmbeddingModel load(ModelRef ref) {
        RegisteredModel entry;
        try {
            entry = registry.lookup(ref);
        } catch (SQLException e) {
            throw new Llm4esException(SqlState.SYSTEM_ERROR, "cannot read the model registry: " + e.getMessage(), e);
        }
        if (entry != null) {
            EmbeddingModel model = ModelCache.byPath(entry.path());
            if (!model.bundle().fingerprint().equals(entry.sha256())) {
                throw new Llm4esException(
                        SqlState.DATA_CORRUPTED,
                        "model " + entry.versionTag() + " at "
                                + entry.path() + " is not the bundle that was registered (sha256 " + entry.sha256()
                                + ", now " + model.bundle().fingerprint() + "); refusing it");
            }
            return model;
        }
        if (ref.alias() != null) {
            throw new Llm4esException(
                    SqlState.UNDEFINED_OBJECT,
                    "model alias " + ref + " does not exist: '" + ref.name() + "' is not in the model registry");
        }
        EmbeddingModel model = ModelCache.byName(ref.name());
        if (ref.version() != null && !ref.version().equals(model.manifest().version())) {
            throw new Llm4esException(
                    SqlState.UNDEFINED_OBJECT,
                    "model " + ref + " does not exist (the models " + "directory has " + model.versionTag() + ")");
        }
        return model;
    }
}
