package io.llm4es.sql.h2;

import java.util.List;

/**
 * More llm4es routines for H2, found with {@link java.util.ServiceLoader} when {@link Llm4esH2}
 * registers the functions. The bulk jobs ({@code materialize_embeddings},
 * {@code export_training_text}) live in the connectors module, which depends on this one: this
 * seam lets {@code Llm4esH2.register} offer them wherever that module is on the class path
 * without this module knowing it.
 */
public interface H2Extension {
    /** Statements that create this extension's routines in {@code schema} (idempotent: IF NOT EXISTS). */
    List<String> registrationSql(String schema);
}
