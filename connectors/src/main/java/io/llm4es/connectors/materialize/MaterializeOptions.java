package io.llm4es.connectors.materialize;

import io.llm4es.udf.error.Llm4esException;

/**
 * The options of a materialization: which shard, how many users per committed batch, and
 * whether the first failing user stops the job ({@code failFast}) instead of going to the errors table.
 */
public record MaterializeOptions(Shard shard, int batchUsers, boolean failFast) {
    public static final int DEFAULT_BATCH_USERS = 500;

    public MaterializeOptions {
        if (batchUsers < 1) {
            throw Llm4esException.invalid("batch_users must be at least 1, got " + batchUsers);
        }
    }

    public MaterializeOptions(Shard shard, int batchUsers) {
        this(shard, batchUsers, false);
    }

    public static MaterializeOptions defaults() {
        return new MaterializeOptions(Shard.ALL, DEFAULT_BATCH_USERS);
    }

    /** The SQL procedure's form: {@code 'shard=2/4, batch_users=200, fail_fast=true'} (null or '' for the defaults). */
    public static MaterializeOptions parse(String text) {
        Shard shard = Shard.ALL;
        int batch = DEFAULT_BATCH_USERS;
        boolean failFast = false;
        if (text != null && !text.isBlank()) {
            for (String item : text.split(",")) {
                String[] kv = item.split("=", 2);
                String key = kv[0].trim().toLowerCase(java.util.Locale.ROOT);
                if (kv.length != 2) {
                    throw Llm4esException.invalid("option '" + item.trim() + "' is not key=value");
                }
                switch (key) {
                    case "shard" -> shard = Shard.parse(kv[1]);
                    case "batch_users" -> batch = parseCount(kv[1]);
                    case "fail_fast" -> failFast = parseFlag(kv[1]);
                    default ->
                        throw Llm4esException.invalid("unknown materialize option '" + key
                                + "' (options: shard=k/N, batch_users=N, fail_fast=true|false)");
                }
            }
        }
        return new MaterializeOptions(shard, batch, failFast);
    }

    /** A batch size as written in an option; anything else is 22023. */
    public static int parseCount(String v) {
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw Llm4esException.invalid("batch_users must be a number, got '" + v.trim() + "'");
        }
    }

    private static boolean parseFlag(String v) {
        return switch (v.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw Llm4esException.invalid("fail_fast must be true or false, got '" + v.trim() + "'");
        };
    }
}
