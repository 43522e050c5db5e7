package io.llm4es.connectors.h2;

import io.llm4es.connectors.export.TrainingTextExport;
import io.llm4es.connectors.materialize.Materialize;
import io.llm4es.connectors.materialize.MaterializeOptions;
import io.llm4es.sql.h2.H2Extension;
import io.llm4es.sql.h2.Llm4esH2;
import io.llm4es.udf.error.Llm4esException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * The bulk jobs as H2 procedures ({@code CREATE ALIAS} targets; H2 passes the session's
 * connection first), registered by {@link Llm4esH2} through the {@link H2Extension} service.
 */
public final class H2Jobs implements H2Extension {
    @Override
    public List<String> registrationSql(String schema) {
        return List.of(
                Llm4esH2.procedure(schema, "EXPORT_TRAINING_TEXT", H2Jobs.class, "exportTrainingText"),
                Llm4esH2.procedure(schema, "MATERIALIZE_EMBEDDINGS", H2Jobs.class, "materializeEmbeddings"));
    }

    /** {@code CALL export_training_text(source_sql, path, serializer_or_model)} → users written. */
    public static long exportTrainingText(Connection conn, String sourceSql, String path, String serializerOrModel)
            throws SQLException {
        try {
            return TrainingTextExport.export(
                    conn, sourceSql, Path.of(path), TrainingTextExport.resolveSerializer(serializerOrModel));
        } catch (Llm4esException e) {
            throw e.toSqlException();
        }
    }

    /**
     * {@code CALL materialize_embeddings(source_sql, target_table, model_ref, options)} → users
     * written; options {@code 'shard=k/N, batch_users=N'} or NULL.
     */
    public static long materializeEmbeddings(
            Connection conn, String sourceSql, String targetTable, String modelRef, String options)
            throws SQLException {
        try {
            return Materialize.within(conn, sourceSql, targetTable, modelRef, MaterializeOptions.parse(options))
                    .written();
        } catch (Llm4esException e) {
            throw e.toSqlException();
        }
    }
}
