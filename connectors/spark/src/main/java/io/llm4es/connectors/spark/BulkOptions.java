package io.llm4es.connectors.spark;

import io.llm4es.udf.error.Llm4esException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * What the bulk job reads, how it embeds and where it writes. The command line is
 * {@code --name value} pairs; {@link #usage()} lists them.
 */
public record BulkOptions(
        String input,
        String format,
        String userColumn,
        String eventColumn,
        String orderColumn,
        String model,
        int partitions,
        int windowTokens,
        String output,
        String jdbcUrl,
        String jdbcTable,
        Properties jdbcProperties) {
    /** Users held before one call to the model: the job's memory bound, in tokens. */
    public static final int DEFAULT_WINDOW_TOKENS = 32768;

    public BulkOptions {
        if (windowTokens <= 0) {
            throw Llm4esException.invalid("--window-tokens must be positive, got " + windowTokens);
        }
        if (partitions < 0) {
            throw Llm4esException.invalid("--partitions must be 0 (Spark's default) or positive, got " + partitions);
        }
    }

    /** The defaults: columns user_id, event, ts; the default model; Spark's partition count. */
    public static BulkOptions defaults() {
        return new BulkOptions(
                null,
                "parquet",
                "user_id",
                "event",
                "ts",
                null,
                0,
                DEFAULT_WINDOW_TOKENS,
                null,
                null,
                null,
                new Properties());
    }

    public BulkOptions withInput(String path, String format) {
        return new BulkOptions(
                path,
                format,
                userColumn,
                eventColumn,
                orderColumn,
                model,
                partitions,
                windowTokens,
                output,
                jdbcUrl,
                jdbcTable,
                jdbcProperties);
    }

    public BulkOptions withColumns(String user, String event, String order) {
        return new BulkOptions(
                input,
                format,
                user,
                event,
                order,
                model,
                partitions,
                windowTokens,
                output,
                jdbcUrl,
                jdbcTable,
                jdbcProperties);
    }

    public BulkOptions withModel(String name) {
        return new BulkOptions(
                input,
                format,
                userColumn,
                eventColumn,
                orderColumn,
                name,
                partitions,
                windowTokens,
                output,
                jdbcUrl,
                jdbcTable,
                jdbcProperties);
    }

    public BulkOptions withPartitions(int n) {
        return new BulkOptions(
                input,
                format,
                userColumn,
                eventColumn,
                orderColumn,
                model,
                n,
                windowTokens,
                output,
                jdbcUrl,
                jdbcTable,
                jdbcProperties);
    }

    public BulkOptions withWindowTokens(int tokens) {
        return new BulkOptions(
                input,
                format,
                userColumn,
                eventColumn,
                orderColumn,
                model,
                partitions,
                tokens,
                output,
                jdbcUrl,
                jdbcTable,
                jdbcProperties);
    }

    public BulkOptions withOutput(String parquetPath) {
        return new BulkOptions(
                input,
                format,
                userColumn,
                eventColumn,
                orderColumn,
                model,
                partitions,
                windowTokens,
                parquetPath,
                jdbcUrl,
                jdbcTable,
                jdbcProperties);
    }

    public BulkOptions withJdbc(String url, String table, Properties properties) {
        return new BulkOptions(
                input,
                format,
                userColumn,
                eventColumn,
                orderColumn,
                model,
                partitions,
                windowTokens,
                output,
                url,
                table,
                properties);
    }

    public static BulkOptions parse(String[] args) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw Llm4esException.invalid("expected --name value pairs, got '" + args[i] + "'\n" + usage());
            }
            m.put(args[i].substring(2), args[i + 1]);
        }
        BulkOptions d = defaults();
        Properties jdbc = new Properties();
        for (String k : new String[] {"user", "password", "driver"}) {
            String v = m.remove("jdbc-" + k);
            if (v != null) {
                jdbc.setProperty(k, v);
            }
        }
        BulkOptions o = new BulkOptions(
                m.remove("input"),
                m.getOrDefault("format", d.format()),
                m.getOrDefault("user-column", d.userColumn()),
                m.getOrDefault("event-column", d.eventColumn()),
                m.getOrDefault("order-column", d.orderColumn()),
                m.get("model"),
                integer(m, "partitions", d.partitions()),
                integer(m, "window-tokens", d.windowTokens()),
                m.get("output"),
                m.get("jdbc-url"),
                m.get("jdbc-table"),
                jdbc);
        for (String k : new String[] {
            "format",
            "user-column",
            "event-column",
            "order-column",
            "model",
            "partitions",
            "window-tokens",
            "output",
            "jdbc-url",
            "jdbc-table"
        }) {
            m.remove(k);
        }
        if (!m.isEmpty()) {
            throw Llm4esException.invalid("unknown option(s) " + m.keySet() + "\n" + usage());
        }
        if (o.input() == null) {
            throw Llm4esException.invalid("--input is required\n" + usage());
        }
        if (o.output() == null && o.jdbcUrl() == null) {
            throw Llm4esException.invalid("give --output (Parquet) and/or --jdbc-url with --jdbc-table\n" + usage());
        }
        if ((o.jdbcUrl() == null) != (o.jdbcTable() == null)) {
            throw Llm4esException.invalid("--jdbc-url and --jdbc-table go together\n" + usage());
        }
        return o;
    }

    private static int integer(Map<String, String> m, String key, int fallback) {
        String v = m.get(key);
        if (v == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw Llm4esException.invalid("--" + key + " must be an integer, got '" + v + "'");
        }
    }

    public static String usage() {
        return """
                usage: spark-submit --class io.llm4es.connectors.spark.BulkEmbeddingJob llm4es-spark.jar
                  --input PATH|TABLE      events (one row per event)
                  [--format parquet]      parquet | csv | json | orc | table (a table of the session's catalog)
                  [--user-column user_id] [--event-column event] [--order-column ts]
                  [--model NAME]          a model bundle of the models directory (default: stories260k)
                  [--partitions N]        users are split by hash of the user column into N partitions
                  [--window-tokens 32768] tokens of users held per call to the model (the memory bound)
                  [--output PATH]         Parquet, replaced on every run
                  [--jdbc-url URL --jdbc-table NAME [--jdbc-user U --jdbc-password P --jdbc-driver CLASS]]
                                          a table, replaced on every run (embedding in pgvector's text form)""";
    }
}
