package io.llm4es.connectors;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.llm4es.sql.h2.Llm4esH2;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * A HikariCP pool over a database every connection of which can call the llm4es functions:
 * each new connection runs the engine's registration as its init SQL (idempotent), so a pool
 * over a fresh in-memory database works as well as one over a file.
 */
public final class PooledDatabase implements AutoCloseable {
    private final HikariDataSource pool;

    private PooledDatabase(HikariDataSource pool) {
        this.pool = pool;
    }

    /** An H2 database (any H2 URL: mem, file, server) with the llm4es functions. */
    public static PooledDatabase h2(String url, int maxConnections) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setMaximumPoolSize(maxConnections);
        config.setPoolName("llm4es-h2");
        config.setConnectionInitSql(Llm4esH2.registrationSql("PUBLIC"));
        return new PooledDatabase(new HikariDataSource(config));
    }

    public DataSource dataSource() {
        return pool;
    }

    public Connection connection() throws SQLException {
        return pool.getConnection();
    }

    @Override
    public void close() {
        pool.close();
    }
}
