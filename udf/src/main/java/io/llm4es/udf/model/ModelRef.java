package io.llm4es.udf.model;

import io.llm4es.udf.error.Llm4esException;

/**
 * A model reference as SQL writes it: {@code name}, {@code name:version} or {@code name@alias}.
 * At most one of {@code version} and {@code alias} is set.
 */
public record ModelRef(String name, String version, String alias) {
    public static ModelRef parse(String ref) {
        if (ref == null || ref.isBlank()) {
            throw Llm4esException.invalid("empty model reference (write name, name:version or name@alias)");
        }
        int at = ref.indexOf('@');
        int colon = ref.indexOf(':');
        if (at >= 0 && colon >= 0) {
            throw Llm4esException.invalid(
                    "'" + ref + "' has both a version and an alias; write name:version or name@alias");
        }
        int cut = Math.max(at, colon);
        if (cut < 0) {
            return new ModelRef(ref, null, null);
        }
        String name = ref.substring(0, cut);
        String rest = ref.substring(cut + 1);
        if (name.isEmpty() || rest.isEmpty()) {
            throw Llm4esException.invalid("'" + ref + "' is not a model reference (name, name:version or name@alias)");
        }
        return at >= 0 ? new ModelRef(name, null, rest) : new ModelRef(name, rest, null);
    }

    @Override
    public String toString() {
        return version != null ? name + ":" + version : alias != null ? name + "@" + alias : name;
    }
}
