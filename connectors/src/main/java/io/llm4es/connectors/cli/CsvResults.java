package io.llm4es.connectors.cli;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;

/** A result set as RFC 4180 CSV; arrays as {@code [v1,v2,...]} (what pgvector and numpy readers take). */
final class CsvResults {
    private CsvResults() {}

    static void write(ResultSet rs, Writer w) throws SQLException, IOException {
        ResultSetMetaData md = rs.getMetaData();
        int n = md.getColumnCount();
        for (int i = 1; i <= n; i++) {
            w.write((i > 1 ? "," : "") + quote(md.getColumnLabel(i)));
        }
        w.write("\n");
        while (rs.next()) {
            for (int i = 1; i <= n; i++) {
                if (i > 1) {
                    w.write(",");
                }
                Object v = rs.getObject(i);
                w.write(v == null ? "" : quote(text(v)));
            }
            w.write("\n");
        }
        w.flush();
    }

    private static String text(Object v) throws SQLException {
        if (v instanceof Array a) {
            return arrayText(a);
        }
        // H2 hands JSON values (user_embedding_result) over as their UTF-8 bytes
        return v instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : v.toString();
    }

    private static String arrayText(Array a) throws SQLException {
        Object[] values = (Object[]) a.getArray();
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < values.length; i++) {
            sb.append(i > 0 ? "," : "").append(values[i]);
        }
        return sb.append(']').toString();
    }

    private static String quote(String s) {
        return s.contains(",") || s.contains("\"") || s.contains("\n") || s.contains("\r")
                ? "\"" + s.replace("\"", "\"\"") + "\""
                : s;
    }
}
