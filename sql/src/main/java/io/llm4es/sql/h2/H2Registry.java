package io.llm4es.sql.h2;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llm4es.sql.registry.ModelRegistry;
import io.llm4es.udf.error.Llm4esException;
import io.llm4es.udf.model.ModelRef;
import java.sql.Connection;
import java.sql.SQLException;

/** The registry procedures of H2 (CREATE ALIAS targets; H2 passes the session's connection first). */
public final class H2Registry {
    private static final ObjectMapper JSON = new ObjectMapper();

    private H2Registry() {}

    /** {@code CALL register_model(name, path)} → the registered {@code name:version}. */
    public static String registerModel(Connection conn, String name, String path) throws SQLException {
        return ModelRegistry.registerModel(conn, Llm4esH2.SCHEMA, name, path);
    }

    /** {@code CALL set_alias(name, alias, version)}. */
    public static void setAlias(Connection conn, String name, String alias, String version) throws SQLException {
        ModelRegistry.setAlias(conn, Llm4esH2.SCHEMA, name, alias, version);
    }

    /** {@code describe_model(ref)} → JSON: the registry row the reference resolves to, or the directory bundle. */
    public static String describeModel(Connection conn, String ref) throws SQLException {
        try {
            var entry = new ModelRegistry(conn, Llm4esH2.SCHEMA).lookup(ModelRef.parse(ref));
            if (entry != null) {
                return entry.toJson(ref);
            }
            var model = H2StatementModels.of(conn).resolve(ref);
            ObjectNode o = JSON.createObjectNode();
            o.put("ref", ref);
            o.put("model_version", model.versionTag());
            o.put("source", model.bundle().source().describe());
            o.put("sha256", model.bundle().fingerprint());
            o.put("dim", model.manifest().embeddingDim());
            o.put("registered", false);
            return o.toString();
        } catch (Llm4esException e) {
            throw e.toSqlException();
        }
    }

    /** {@code model_version(ref)} → {@code name:version}, resolved as this statement's aggregates resolve it. */
    public static String modelVersion(Connection conn, String ref) throws SQLException {
        try {
            return H2StatementModels.of(conn).resolve(ref).versionTag();
        } catch (Llm4esException e) {
            throw e.toSqlException();
        }
    }
}
