package io.llm4es.connectors.spark;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** The same card transactions in H2 and in Spark: user, day, event JSON. */
record SyntheticEvents(List<Object[]> rows) {
    static final StructType SCHEMA = new StructType()
            .add("user_id", DataTypes.IntegerType)
            .add("ts", DataTypes.DateType)
            .add("event", DataTypes.StringType);

    static {
        // Spark initializes DriverManager under its own context class loader, before H2 is seen
        try {
            Class.forName("org.h2.Driver");
        } catch (ClassNotFoundException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    static SyntheticEvents of(int users, int maxEvents, long seed) {
        Random rnd = new Random(seed);
        int[] mcc = {5411, 5812, 5541, 6011, 4900, 7832};
        List<Object[]> rows = new ArrayList<>();
        for (int u = 1; u <= users; u++) {
            int events = 1 + rnd.nextInt(maxEvents);
            for (int e = 0; e < events; e++) {
                LocalDate d = LocalDate.of(2024, 1, 1).plusDays(rnd.nextInt(300));
                String json = "{\"date\":\"" + d + "\",\"type\":\"" + (rnd.nextInt(4) == 0 ? "C" : "D")
                        + "\",\"mcc\":" + mcc[rnd.nextInt(mcc.length)] + ",\"amount\":"
                        + new java.math.BigDecimal(rnd.nextInt(100000)).movePointLeft(2) + "}";
                rows.add(new Object[] {u, java.sql.Date.valueOf(d), json});
            }
        }
        return new SyntheticEvents(rows);
    }

    Dataset<Row> toSpark(SparkSession spark) {
        List<Row> out = new ArrayList<>(rows.size());
        for (Object[] r : rows) {
            out.add(RowFactory.create(r));
        }
        return spark.createDataFrame(out, SCHEMA);
    }

    /** Table tx(user_id, ts, event) in an H2 connection opened with Llm4esH2.open. */
    void toH2(Connection conn) throws SQLException {
        try (Statement st = conn.createStatement()) {
            st.execute("CREATE TABLE tx(user_id INT, ts DATE, event VARCHAR)");
        }
        try (PreparedStatement ps = conn.prepareStatement("INSERT INTO tx VALUES (?, ?, ?)")) {
            for (Object[] r : rows) {
                for (int i = 0; i < r.length; i++) {
                    ps.setObject(i + 1, r[i]);
                }
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /** user_id → H2's user_embedding for every user. */
    static Map<Integer, float[]> h2Embeddings(Connection conn) throws SQLException {
        Map<Integer, float[]> out = new HashMap<>();
        try (Statement st = conn.createStatement();
                var rs = st.executeQuery("SELECT user_id, user_embedding(event, ts) FROM tx GROUP BY user_id")) {
            while (rs.next()) {
                Object[] a = (Object[]) rs.getArray(2).getArray();
                float[] v = new float[a.length];
                for (int i = 0; i < a.length; i++) {
                    v[i] = ((Number) a[i]).floatValue();
                }
                out.put(rs.getInt(1), v);
            }
        }
        return out;
    }

    static float[] floats(List<?> values) {
        float[] v = new float[values.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = ((Number) values.get(i)).floatValue();
        }
        return v;
    }
}
