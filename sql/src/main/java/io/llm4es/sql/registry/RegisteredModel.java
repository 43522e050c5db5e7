package io.llm4es.sql.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.time.OffsetDateTime;

/** One row of {@code llm4es.models}: a registered, verified bundle. */
public record RegisteredModel(
        String name,
        String version,
        Path path,
        String sha256,
        int dim,
        String pooling,
        String serializerId,
        String status,
        OffsetDateTime created) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** {@code name:version}, the stamp on every output. */
    public String versionTag() {
        return name + ":" + version;
    }

    /** {@code describe_model}'s answer. */
    public String toJson(String ref) {
        ObjectNode o = JSON.createObjectNode();
        o.put("ref", ref);
        o.put("name", name);
        o.put("version", version);
        o.put("model_version", versionTag());
        o.put("path", path.toString());
        o.put("sha256", sha256);
        o.put("dim", dim);
        o.put("pooling", pooling);
        o.put("serializer_id", serializerId);
        o.put("status", status);
        o.put("created", created == null ? null : created.toString());
        return o.toString();
    }
}
