package io.llm4es.sql.calcite;

import io.llm4es.udf.error.Llm4esException;
import io.llm4es.udf.error.SqlState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.apache.commons.dbcp2.BasicDataSource;

/**
 * A directory of CSV and Parquet files as one schema: every {@code NAME.csv}, {@code NAME.csv.gz}
 * and {@code NAME.parquet} is a table NAME. DuckDB (already in the jar) reads the files, so
 * column types are detected from the data and Parquet needs no Hadoop; each pooled connection
 * is an in-memory DuckDB database with one view per file.
 */
final class FileDirectory implements AutoCloseable {
    static final String CATALOG = "memory";
    static final String SCHEMA = "main";
    private final BasicDataSource pool;

    private FileDirectory(BasicDataSource pool) {
        this.pool = pool;
    }

    static FileDirectory open(String directory) throws SQLException {
        Path dir = Path.of(directory).toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            throw new Llm4esException(SqlState.UNDEFINED_OBJECT, "files:" + directory + " is not a directory")
                    .toSqlException();
        }
        BasicDataSource pool = new BasicDataSource();
        pool.setUrl("jdbc:duckdb:");
        pool.setConnectionInitSqls(views(dir));
        return new FileDirectory(pool);
    }

    DataSource dataSource() {
        return pool;
    }

    private static List<String> views(Path dir) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files.sorted()::iterator) {
                String file = f.getFileName().toString();
                String lower = file.toLowerCase(Locale.ROOT);
                String reader = lower.endsWith(".parquet")
                        ? "read_parquet"
                        : lower.endsWith(".csv") || lower.endsWith(".csv.gz") ? "read_csv" : null;
                if (reader != null && Files.isRegularFile(f)) {
                    String table = file.substring(0, lower.indexOf(lower.endsWith(".parquet") ? ".parquet" : ".csv"));
                    out.add("CREATE VIEW \"" + table.replace("\"", "\"\"") + "\" AS SELECT * FROM " + reader + "('"
                            + f.toString().replace("'", "''") + "')");
                }
            }
        } catch (IOException e) {
            throw new Llm4esException(SqlState.SYSTEM_ERROR, "cannot list " + dir + ": " + e.getMessage(), e)
                    .toSqlException();
        }
        return out;
    }

    @Override
    public void close() throws SQLException {
        pool.close();
    }
}
