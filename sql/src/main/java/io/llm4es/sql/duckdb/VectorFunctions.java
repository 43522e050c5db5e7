package io.llm4es.sql.duckdb;

import io.llm4es.udf.vector.Vectors;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.function.BiConsumer;
import org.duckdb.DuckDBColumnType;
import org.duckdb.DuckDBFunctions;
import org.duckdb.DuckDBReadableVector;
import org.duckdb.DuckDBWritableVector;

/**
 * The vector helpers as DuckDB Java UDFs. DuckDB's Java UDF vectors carry no LIST type, so
 * vectors cross as text ({@code FLOAT[]::VARCHAR} is {@code [1.5, 2.0]}, which
 * {@link Vectors#parse} reads back exactly); the macros cast the results back to FLOAT[].
 */
final class VectorFunctions {
    private VectorFunctions() {}

    static void register(Connection conn) throws SQLException {
        unary(
                conn,
                "llm4es_l2_normalize",
                DuckDBColumnType.VARCHAR,
                (v, out) -> out.setString(v.row(), Vectors.toPgvectorText(Vectors.l2Normalize(v.floats()))));
        unary(
                conn,
                "llm4es_vector_dims",
                DuckDBColumnType.INTEGER,
                (v, out) -> out.setInt(v.row(), Vectors.dims(v.floats())));
        unary(
                conn,
                "llm4es_to_pgvector_text",
                DuckDBColumnType.VARCHAR,
                (v, out) -> out.setString(v.row(), Vectors.toPgvectorText(v.floats())));
        try (var b = DuckDBFunctions.scalarFunction()) {
            b.withName("llm4es_cosine_similarity")
                    .withParameters(DuckDBColumnType.VARCHAR, DuckDBColumnType.VARCHAR)
                    .withReturnType(DuckDBColumnType.DOUBLE)
                    .withVectorizedFunction((in, out) -> {
                        DuckDBReadableVector a = in.vector(0);
                        DuckDBReadableVector c = in.vector(1);
                        for (int i = 0; i < in.rowCount(); i++) {
                            int row = i;
                            Double cos = a.isNull(i) || c.isNull(i)
                                    ? null
                                    : guarded(() -> Vectors.cosineSimilarity(
                                            Vectors.parse(a.getString(row)), Vectors.parse(c.getString(row))));
                            if (cos == null) {
                                out.setNull(i);
                            } else {
                                out.setDouble(i, cos);
                            }
                        }
                    })
                    .register(conn);
        }
    }

    /** One row's argument, parsed on demand. */
    record Arg(DuckDBReadableVector column, int row) {
        float[] floats() {
            return Vectors.parse(column.getString(row));
        }
    }

    private static void unary(
            Connection conn, String name, DuckDBColumnType returns, BiConsumer<Arg, DuckDBWritableVector> body)
            throws SQLException {
        try (var b = DuckDBFunctions.scalarFunction()) {
            b.withName(name)
                    .withParameter(DuckDBColumnType.VARCHAR)
                    .withReturnType(returns)
                    .withVectorizedFunction((in, out) -> {
                        DuckDBReadableVector v = in.vector(0);
                        for (int i = 0; i < in.rowCount(); i++) {
                            if (v.isNull(i)) {
                                out.setNull(i);
                            } else {
                                Arg arg = new Arg(v, i);
                                guarded(() -> {
                                    body.accept(arg, out);
                                    return null;
                                });
                            }
                        }
                    })
                    .register(conn);
        }
    }

    private static <T> T guarded(java.util.function.Supplier<T> work) {
        try {
            return work.get();
        } catch (RuntimeException e) {
            throw DuckDBFailure.of(e);
        }
    }
}
