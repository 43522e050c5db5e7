package io.llm4es.examples;

import java.util.LinkedHashMap;
import java.util.Map;

/** {@code java -jar examples/target/llm4es-examples.jar <demo|bench-speed|bench-embed|bench-memory|bench-scale> [--option value ...]} */
public final class Main {
    static final String USAGE = """
            usage: java -jar examples/target/llm4es-examples.jar <command> [--option value ...]
              demo         generated transactions in embedded H2, every user embedded through SQL
                           --users 1000 --seed 42 --db jdbc:h2:mem:llm4es-demo --model <name>
              bench-speed  SQL aggregate vs bare Java embedder, same model and threads
                           --users 1000 --repeats 5 --model <name>
              bench-embed  the bare embedder, warm: one bundle, texts tokenized once, timed passes
                           --bundle DIR --input texts.jsonl ({"text": ...} per line) --repeats 5
                           --users-per-call N (default: all texts in one call; 1: a sorted GROUP BY)
              bench-memory heap bytes per event held by the aggregates' group states (demo data)
                           --users 20000 --seed 42
              bench-concurrency  peak RSS, time and bit-equality of C connections embedding at once,
                           each C in a fresh JVM: --connections 1,16 --users 200 --xmx 1g
              bench-scale  time, users/s, peak heap and RSS of the bulk paths, each in a child JVM of
                           the CLI jar, every user read back
                           --users 10000 --events 3 --paths h2-group-by,duckdb,materialize --xmx 1g
                           (paths also h2-group-by-cast, materialize-duckdb, export-text, export-text-duckdb)
                           --seed 42 --dir target/bench-scale --jar connectors/target/llm4es.jar
                           --model stories260k --models-dir DIR (a bundle of DIR instead of the bundled model)""";

    private Main() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println(USAGE);
            System.exit(2);
        }
        Map<String, String> opts = new LinkedHashMap<>();
        for (int i = 1; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                System.err.println("expected --option value, got " + args[i] + "\n" + USAGE);
                System.exit(2);
            }
            opts.put(args[i].substring(2), args[i + 1]);
        }
        if (args.length % 2 == 0) {
            System.err.println("option " + args[args.length - 1] + " has no value\n" + USAGE);
            System.exit(2);
        }
        switch (args[0]) {
            case "demo" -> Demo.run(opts);
            case "bench-speed" -> SpeedBenchmark.run(opts);
            case "bench-embed" -> EmbedBenchmark.run(opts);
            case "bench-memory" -> GroupStateFootprint.run(opts);
            case "bench-concurrency" -> ConcurrencyBenchmark.run(opts);
            case "bench-scale" -> ScaleBenchmark.run(opts);
            default -> {
                System.err.println("unknown command " + args[0] + "\n" + USAGE);
                System.exit(2);
            }
        }
    }
}
