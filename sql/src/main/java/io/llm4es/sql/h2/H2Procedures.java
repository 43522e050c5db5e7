package io.llm4es.sql.h2;

import io.llm4es.sql.export.TrainingTextExport;
import io.llm4es.sql.materialize.Materialize;
import io.llm4es.sql.materialize.MaterializeOptions;
import io.llm4es.udf.error.Llm4esException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;

/** The llm4es procedures of H2 (CREATE ALIAS targets; H2 passes the session's connection first). */
public final class H2Procedures {
    private H2Procedures() {
    }

    /** {@code CALL export_training_text(source_sql, path, serializer_or_model)} → users written. */
    public static long exportTrainingText(Connection conn, String sourceSql, String path, String serializerOrModel)
            throws SQLException {
        try {
            return TrainingTextExport.export(conn, sourceSql, Path.of(path),
                    TrainingTextExport.resolveSerializer(serializerOrModel));
        } catch (Llm4esException e) {
            throw e.toSqlException();
        }
    }

    /**
     * {@code CALL materialize_embeddings(source_sql, target_table, model_ref, options)} → users
     * written; options {@code 'shard=k/N, batch_users=N'} or NULL.
     */
    public static long materializeEmbeddings(Connection conn, String sourceSql, String targetTable, String modelRef,
                                             String options) throws SQLException {
        try {
            return Materialize.within(conn, sourceSql, targetTable, modelRef, MaterializeOptions.parse(options)).written();
        } catch (Llm4esException e) {
            throw e.toSqlException();
        }
    }
}
