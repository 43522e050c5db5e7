package io.llm4es.sql.calcite;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llm4es.sql.Transactions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.format.DateTimeFormatter;
import java.util.List;

/** The same transactions as an H2 database file and as a CSV file, and the URL that exposes both. */
public final class CalciteSources {
    private static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    private CalciteSources() {}

    /** The events' fields as columns {@code u, ts, typ, mcc, amount}, for events built with JSON_OBJECT. */
    private static String columns(List<Transactions.Row> rows) throws IOException {
        ObjectMapper json = new ObjectMapper();
        StringBuilder csv = new StringBuilder("u,ts,typ,mcc,amount\n");
        for (Transactions.Row r : rows) {
            JsonNode e = json.readTree(r.event());
            csv.append(r.user())
                    .append(',')
                    .append(TS.format(r.ts()))
                    .append(',')
                    .append(e.get("type").asText())
                    .append(',')
                    .append(e.get("mcc").asText())
                    .append(',')
                    .append(e.get("amount").asText())
                    .append('\n');
        }
        return csv.toString();
    }

    /** {@code schema.bank} (H2 file, table TX), {@code schema.shop} (DuckDB file,
     * table tx) and {@code schema.files} (tx.csv, cards.csv). */
    public static String create(Path dir, List<Transactions.Row> rows) throws SQLException, IOException {
        String h2 = "jdbc:h2:" + dir.resolve("bank");
        try (Connection c = DriverManager.getConnection(h2)) {
            Transactions.create(c, rows);
        }
        Path files = Files.createDirectories(dir.resolve("files"));
        StringBuilder csv = new StringBuilder("u,ts,ev\n");
        for (Transactions.Row r : rows) {
            csv.append(r.user())
                    .append(',')
                    .append(r.ts() == null ? "" : TS.format(r.ts()))
                    .append(',')
                    .append(r.event() == null ? "" : "\"" + r.event().replace("\"", "\"\"") + "\"")
                    .append('\n');
        }
        Files.writeString(files.resolve("tx.csv"), csv);
        Files.writeString(files.resolve("cards.csv"), columns(rows));
        String duck = "jdbc:duckdb:" + dir.resolve("shop.duckdb");
        try (Connection c = DriverManager.getConnection(duck)) {
            Transactions.create(c, rows);
        }
        // a value with ';' of its own is quoted
        return Llm4esDriver.PREFIX + "schema.bank='" + h2 + ";IFEXISTS=TRUE';schema.shop=" + duck
                + ";schema.files=files:" + files;
    }
}
