package io.llm4es.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llm4es.sql.calcite.Llm4esDriver;
import io.llm4es.sql.duckdb.Llm4esDuckDB;
import io.llm4es.sql.h2.Llm4esH2;
import io.llm4es.udf.embed.EmbeddingModel;
import io.llm4es.udf.embed.InferenceSlots;
import io.llm4es.udf.embed.ModelCache;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.duckdb.DuckDBConnection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** 16 connections embedding at once share one loaded model and agree with a single connection. */
class ConcurrentConnectionsTest {
    static final int CONNECTIONS = 16;
    static final String SQL = "SELECT u, user_embedding(ev, ts) FROM tx GROUP BY u ORDER BY u";

    interface Opener {
        Connection open() throws SQLException;
    }

    @Test
    void h2SharedInMemoryDatabase() throws Exception {
        String url = "jdbc:h2:mem:concurrent;DB_CLOSE_DELAY=-1";
        try (Connection first = DriverManager.getConnection(url)) {
            Llm4esH2.register(first);
            Transactions.create(first, Transactions.random(12, 4, 21));
            embedAtOnce(first, () -> {
                Connection c = DriverManager.getConnection(url);
                Llm4esH2.register(c);
                return c;
            });
        }
    }

    /**
     * Connections queue for the model's native part instead of each growing its own arena: with
     * two slots, never more than two ONNX Runtime runs are in flight, and every connection's
     * vectors are the serial ones, bit for bit (the same query gives the same batches).
     */
    @Test
    void h2ConnectionsQueueForInferenceAndMatchSerialBitForBit() throws Exception {
        String url = "jdbc:h2:mem:admission;DB_CLOSE_DELAY=-1";
        String previous = System.getProperty(InferenceSlots.CONCURRENCY.property());
        System.setProperty(InferenceSlots.CONCURRENCY.property(), "2");
        try (Connection first = DriverManager.getConnection(url)) {
            Llm4esH2.register(first);
            // enough events per user that each query needs several runs, so runs of different connections overlap
            Transactions.create(first, Transactions.random(24, 40, 5));
            Map<Integer, float[]> serial = EngineContractTest.byUser(first, SQL);
            int connections = 8;
            CyclicBarrier start = new CyclicBarrier(connections);
            ExecutorService pool = Executors.newFixedThreadPool(connections);
            InferenceSlots.resetPeak();
            try {
                List<Future<Map<Integer, float[]>>> results = new ArrayList<>();
                for (int i = 0; i < connections; i++) {
                    results.add(pool.submit((Callable<Map<Integer, float[]>>) () -> {
                        try (Connection c = DriverManager.getConnection(url)) {
                            Llm4esH2.register(c);
                            start.await(2, TimeUnit.MINUTES);
                            return EngineContractTest.byUser(c, SQL);
                        }
                    }));
                }
                for (Future<Map<Integer, float[]>> f : results) {
                    Map<Integer, float[]> got = f.get();
                    assertEquals(serial.keySet(), got.keySet());
                    for (Integer u : serial.keySet()) {
                        // Arrays.equals on floats compares their bits
                        assertTrue(Arrays.equals(serial.get(u), got.get(u)), "user " + u + " differs from serial");
                    }
                }
            } finally {
                pool.shutdownNow();
            }
            int peak = InferenceSlots.peak();
            assertTrue(peak >= 1 && peak <= 2, "runs in flight at once: " + peak);
        } finally {
            if (previous == null) {
                System.clearProperty(InferenceSlots.CONCURRENCY.property());
            } else {
                System.setProperty(InferenceSlots.CONCURRENCY.property(), previous);
            }
        }
    }

    @Test
    void duckdbDuplicatedConnections() throws Exception {
        try (Connection first = Llm4esDuckDB.open("jdbc:duckdb:")) {
            Transactions.create(first, Transactions.random(12, 4, 21));
            DuckDBConnection db = first.unwrap(DuckDBConnection.class);
            embedAtOnce(first, () -> {
                Connection c = db.duplicate();
                Llm4esDuckDB.register(c);
                return Llm4esDuckDB.withSqlStates(c);
            });
        }
    }

    @Test
    void calciteDriverConnectionsOverOneH2File(@TempDir Path dir) throws Exception {
        String h2 = "jdbc:h2:" + dir.resolve("bank");
        try (Connection c = DriverManager.getConnection(h2)) {
            Transactions.create(c, Transactions.random(12, 4, 21));
        }
        String url = Llm4esDriver.PREFIX + "schema.bank='" + h2 + ";IFEXISTS=TRUE';schema=bank";
        try (Connection first = DriverManager.getConnection(url)) {
            embedAtOnce(first, () -> DriverManager.getConnection(url));
        }
    }

    static void embedAtOnce(Connection single, Opener opener) throws Exception {
        EmbeddingModel before = ModelCache.byName(null);
        Map<Integer, float[]> expected = EngineContractTest.byUser(single, SQL);
        assertEquals(12, expected.size());
        CyclicBarrier start = new CyclicBarrier(CONNECTIONS);
        Set<EmbeddingModel> seen = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));
        ExecutorService pool = Executors.newFixedThreadPool(CONNECTIONS);
        try {
            List<Future<Map<Integer, float[]>>> results = new ArrayList<>();
            for (int i = 0; i < CONNECTIONS; i++) {
                results.add(pool.submit((Callable<Map<Integer, float[]>>) () -> {
                    try (Connection c = opener.open()) {
                        // a connection that fails to open breaks the barrier for all, instead of hanging them
                        start.await(2, TimeUnit.MINUTES);
                        seen.add(ModelCache.byName(null));
                        return EngineContractTest.byUser(c, SQL);
                    }
                }));
            }
            for (Future<Map<Integer, float[]>> f : results) {
                Map<Integer, float[]> got = f.get();
                assertEquals(expected.keySet(), got.keySet());
                for (Integer u : expected.keySet()) {
                    EngineContractTest.assertSameEmbedding(expected.get(u), got.get(u));
                }
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, seen.size(), "one loaded model per JVM");
        assertSame(before, seen.iterator().next());
        assertSame(before, ModelCache.byName(null));
    }
}
