package io.llm4es.connectors.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llm4es.connectors.Databases;
import io.llm4es.connectors.export.TextBudget;
import io.llm4es.connectors.export.TextPreview;
import io.llm4es.connectors.export.TrainingTextExport;
import io.llm4es.connectors.materialize.Materialize;
import io.llm4es.connectors.materialize.MaterializeOptions;
import io.llm4es.connectors.materialize.MaterializeReport;
import io.llm4es.connectors.materialize.Shard;
import io.llm4es.sql.duckdb.Llm4esDuckDB;
import io.llm4es.udf.embed.EmbeddingModel;
import io.llm4es.udf.embed.ModelCache;
import io.llm4es.udf.embed.TokenizerFile;
import io.llm4es.udf.error.Llm4esException;
import io.llm4es.udf.serialize.CorpusMix;
import io.llm4es.udf.serialize.SerializerConfig;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code java -jar llm4es.jar <command> ...}: the command line of llm4es. */
public final class Main {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String USAGE = """
            usage: java -jar llm4es.jar <command> [options]
              embed-texts --bundle DIR | --model NAME  --input in.jsonl --output out.jsonl
                  embeds raw texts ({"id":..,"text":..} per line) exactly as given, no serializer;
                  writes {"id":..,"token_ids":[..],"embedding":[..]} per line
              describe --bundle DIR | --model NAME
                  prints the bundle's manifest and where it was loaded from
              export-text --db JDBC_URL --sql SOURCE_SQL (--model NAME | --serializer FILE.json) --out corpus.jsonl
                          [--mix lines:0.5,json:0.25,yaml:0.25 --seed 42] [--tokenizer tokenizer.json --budget N]
                  the fine-tuning corpus: one {"user_id","text","events",..} line per user, rendered by the
                  serializer the SQL functions use; SOURCE_SQL returns (user id, event JSON, order key);
                  --mix gives each user one rendering by share, drawn from the seed and the user id;
                  --tokenizer/--budget keep each user's newest whole events within N tokens of that
                  tokenizer (the model's context less its special tokens), cut as at inference; a user
                  whose newest event alone exceeds N is left out and counted
              preview --db JDBC_URL --sql SOURCE_SQL (--model NAME | --serializer FILE.json) [--users 3]
                          [--rendering NAME]
                  prints the full text of the first users, as export-text would write it
              materialize --source-db JDBC_URL --sql SOURCE_SQL --target-db JDBC_URL --table T --model REF
                          [--shard k/N] [--batch-users 500] [--fail-fast]
                  embeds every user of SOURCE_SQL (user id, event JSON, order key) into T, keyed by
                  (user_id, model_version), a transaction per batch; reruns skip unchanged users;
                  per-user failures go to T_errors and the job goes on (--fail-fast: the first one
                  ends it); targets: H2, DuckDB, PostgreSQL
              query --db JDBC_URL --sql SQL [--out file.csv]
                  runs one SQL statement with the llm4es functions registered; a result as CSV to --out or stdout
            models are found by name in -Dllm4es.models.dir (or $LLM4ES_MODELS_DIR, default ./models)
            and among the models bundled in the jar""";

    private Main() {}

    public static void main(String[] args) {
        System.exit(execute(args, System.err));
    }

    /**
     * Runs a command; a failure is one line on {@code err}, with the SQLSTATE of whoever raised it
     * (llm4es's own, or the engine's, e.g. H2's 42S02 for a missing table), and exit status 2.
     */
    static int execute(String[] args, PrintStream err) {
        try {
            return run(args, err);
        } catch (Llm4esException e) {
            err.println(failure(e.state().code(), e.getMessage()));
        } catch (SQLException e) {
            err.println(failure(e.getSQLState(), e.getMessage()));
        } catch (IllegalArgumentException | IOException e) {
            err.println("llm4es: " + e.getMessage());
        } catch (RuntimeException e) {
            // a driver's or library's own failure: one line, never a stack trace
            err.println(failure(null, e.toString()));
        }
        return 2;
    }

    /** {@code llm4es: error [STATE]: message}, the message without an llm4es prefix of its own. */
    static String failure(String state, String message) {
        String text = String.valueOf(message).strip();
        while (text.startsWith("llm4es: ")) {
            text = text.substring("llm4es: ".length());
        }
        return "llm4es: error" + (state == null ? "" : " [" + state + "]") + ": " + text;
    }

    static int run(String[] args, PrintStream err) throws IOException, SQLException {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            System.out.println(USAGE);
            return args.length == 0 ? 2 : 0;
        }
        Map<String, String> opts = options(args);
        switch (args[0]) {
            case "embed-texts" ->
                embedTexts(model(opts), Path.of(required(opts, "input")), Path.of(required(opts, "output")));
            case "describe" -> describe(model(opts));
            case "export-text" -> exportText(opts, err);
            case "preview" -> preview(opts);
            case "query" -> query(opts, err);
            case "materialize" -> materialize(opts, err);
            default -> throw new IllegalArgumentException("unknown command '" + args[0] + "'\n" + USAGE);
        }
        return 0;
    }

    static EmbeddingModel model(Map<String, String> opts) {
        if (opts.containsKey("bundle")) {
            return ModelCache.byPath(Path.of(opts.get("bundle")));
        }
        return ModelCache.byName(opts.get("model"));
    }

    static void embedTexts(EmbeddingModel model, Path input, Path output) throws IOException {
        List<String> ids = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(input, StandardCharsets.UTF_8)) {
            int lineNo = 0;
            for (String line; (line = in.readLine()) != null; ) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode row = JSON.readTree(line);
                if (!row.hasNonNull("text")) {
                    throw new IllegalArgumentException(input + ":" + lineNo + ": no 'text' field");
                }
                ids.add(row.path("id").asText(String.valueOf(lineNo)));
                texts.add(row.get("text").asText());
            }
        }
        float[][] vectors = model.embedTexts(texts);
        Path tmp = output.resolveSibling(output.getFileName() + ".tmp");
        try (BufferedWriter out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            for (int i = 0; i < texts.size(); i++) {
                ObjectNode row = JSON.createObjectNode();
                row.put("id", ids.get(i));
                int[] tokens =
                        model.tokenizer().withSpecialTokens(model.tokenizer().encode(texts.get(i)));
                var tokenArray = row.putArray("token_ids");
                for (int t : tokens) {
                    tokenArray.add(t);
                }
                var emb = row.putArray("embedding");
                for (float v : vectors[i]) {
                    emb.add(v);
                }
                out.write(JSON.writeValueAsString(row));
                out.newLine();
            }
        }
        Files.move(tmp, output, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    static void exportText(Map<String, String> opts, PrintStream err) throws IOException, SQLException {
        String serializer = opts.containsKey("serializer") ? opts.get("serializer") : required(opts, "model");
        Path out = Path.of(required(opts, "out"));
        SerializerConfig config = TrainingTextExport.resolveSerializer(serializer);
        if (opts.containsKey("mix")) {
            config = config.withCorpusMix(
                    CorpusMix.parse(opts.get("mix"), Long.parseLong(opts.getOrDefault("seed", "42"))));
        } else if (opts.containsKey("seed")) {
            throw new IllegalArgumentException("--seed goes with --mix\n" + USAGE);
        }
        if (opts.containsKey("tokenizer") != opts.containsKey("budget")) {
            throw new IllegalArgumentException("--tokenizer and --budget go together\n" + USAGE);
        }
        if (!opts.containsKey("tokenizer")) {
            try (Connection conn = Databases.openExisting(required(opts, "db"))) {
                long users = TrainingTextExport.export(conn, required(opts, "sql"), out, config);
                err.println("llm4es: wrote " + users + " users to " + out);
            }
            return;
        }
        int tokens;
        try {
            tokens = Integer.parseInt(opts.get("budget"));
        } catch (NumberFormatException e) {
            throw Llm4esException.invalid(
                    "--budget must be a whole number of tokens, got '" + opts.get("budget") + "'");
        }
        try (TokenizerFile tokenizer = TokenizerFile.read(Path.of(opts.get("tokenizer")));
                Connection conn = Databases.openExisting(required(opts, "db"))) {
            TextBudget budget = new TextBudget(tokenizer, tokens);
            long users = TrainingTextExport.export(conn, required(opts, "sql"), out, config, budget);
            err.println("llm4es: wrote " + users + " users to " + out + ", each within " + tokens + " tokens; "
                    + budget.usersLeftOut() + " left out (newest event alone over the budget)");
        }
    }

    static void preview(Map<String, String> opts) throws IOException, SQLException {
        String serializer = opts.containsKey("serializer") ? opts.get("serializer") : required(opts, "model");
        Writer w = new OutputStreamWriter(System.out, StandardCharsets.UTF_8);
        try (Connection conn = Databases.openExisting(required(opts, "db"))) {
            TextPreview.write(
                    conn,
                    required(opts, "sql"),
                    TrainingTextExport.resolveSerializer(serializer),
                    Integer.parseInt(opts.getOrDefault("users", "3")),
                    opts.get("rendering"),
                    w);
            w.flush();
        }
    }

    /** The statement's result as CSV; its warnings (e.g. 01004, histories truncated) go to {@code err}. */
    static void query(Map<String, String> opts, PrintStream err) throws IOException, SQLException {
        String target = opts.get("out");
        String url = required(opts, "db");
        try (Connection conn = Databases.openExisting(url);
                Statement st = conn.createStatement()) {
            if (url.startsWith(Llm4esDuckDB.PREFIX)) {
                // this process owns its DuckDB instance, so no one else's queries change; a SET threads in --sql wins
                Llm4esDuckDB.fitThreadsToInference(conn);
            }
            if (!st.execute(required(opts, "sql"))) {
                printWarnings(st.getWarnings(), err);
                err.println("llm4es: " + st.getUpdateCount() + " row(s) affected");
                return;
            }
            try (ResultSet rs = st.getResultSet();
                    Writer w = target == null
                            ? new OutputStreamWriter(System.out, StandardCharsets.UTF_8)
                            : Files.newBufferedWriter(Path.of(target), StandardCharsets.UTF_8)) {
                CsvResults.write(rs, w);
                // after the last row: a lazily computed result adds its truncations while it is read
                printWarnings(st.getWarnings(), err);
            }
        }
    }

    private static void printWarnings(SQLWarning w, PrintStream err) {
        for (; w != null; w = w.getNextWarning()) {
            err.println("llm4es: warning" + (w.getSQLState() == null ? "" : " [" + w.getSQLState() + "]") + ": "
                    + String.valueOf(w.getMessage()).replaceFirst("^llm4es: ", ""));
        }
    }

    static void materialize(Map<String, String> opts, PrintStream err) throws SQLException {
        MaterializeOptions options = new MaterializeOptions(
                opts.containsKey("shard") ? Shard.parse(opts.get("shard")) : Shard.ALL,
                MaterializeOptions.parseCount(
                        opts.getOrDefault("batch-users", String.valueOf(MaterializeOptions.DEFAULT_BATCH_USERS))),
                flag(opts, "fail-fast"));
        MaterializeReport r = Materialize.between(
                required(opts, "source-db"),
                required(opts, "sql"),
                required(opts, "target-db"),
                required(opts, "table"),
                required(opts, "model"),
                options,
                err);
        err.println("llm4es: materialized " + r.modelVersion() + " into " + opts.get("table") + ": " + r.summary()
                + (r.failed() > 0 ? "; failures in " + opts.get("table") + "_errors" : ""));
    }

    static void describe(EmbeddingModel model) throws IOException {
        ObjectNode out = JSON.createObjectNode();
        out.put("source", model.bundle().source().describe());
        out.put("fingerprint", model.bundle().fingerprint());
        out.put("device", model.device().name().toLowerCase());
        out.set("manifest", model.manifest().json());
        System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(out));
    }

    /** Options that take no value. */
    private static final List<String> FLAGS = List.of("fail-fast");

    static boolean flag(Map<String, String> opts, String name) {
        return opts.containsKey(name);
    }

    static Map<String, String> options(String[] args) {
        Map<String, String> opts = new LinkedHashMap<>();
        for (int i = 1; i < args.length; i++) {
            if (args[i].startsWith("--") && FLAGS.contains(args[i].substring(2))) {
                opts.put(args[i].substring(2), "true");
                continue;
            }
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --option value, got '" + args[i] + "'\n" + USAGE);
            }
            opts.put(args[i].substring(2), args[++i]);
        }
        return opts;
    }

    static String required(Map<String, String> opts, String key) {
        String v = opts.get(key);
        if (v == null) {
            throw new IllegalArgumentException("missing --" + key + "\n" + USAGE);
        }
        return v;
    }
}
