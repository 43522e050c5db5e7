package io.llm4es.examples;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llm4es.udf.embed.EmbeddingModel;
import io.llm4es.udf.embed.ModelCache;
import io.llm4es.udf.embed.OrtRuns;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The bare embedder, warm, on one bundle and a file of texts: the texts are tokenized once, one
 * untimed pass loads the session and grows its arena, then each timed pass embeds every text in
 * the model's token-budget micro-batches. Prints one JSON line (seconds of every pass, real and
 * padded tokens), so that a caller can set the time against the FLOPs it knows the model to do.
 * {@code --users-per-call N} hands the embedder N texts at a time instead of all of them: 1 is what
 * an H2 GROUP BY in sorted order does (each group's result is asked for before the next group is
 * read), so the pair of runs prices batching across users.
 */
public final class EmbedBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();

    private EmbedBenchmark() {}

    public static void run(Map<String, String> opts) throws IOException {
        String bundle = opts.get("bundle");
        String input = opts.get("input");
        if (bundle == null || input == null) {
            throw new IllegalArgumentException("bench-embed needs --bundle DIR and --input texts.jsonl");
        }
        int repeats = Integer.parseInt(opts.getOrDefault("repeats", "5"));
        int perCall = Integer.parseInt(opts.getOrDefault("users-per-call", String.valueOf(Integer.MAX_VALUE)));
        if (perCall < 1) {
            throw new IllegalArgumentException("--users-per-call must be at least 1");
        }
        EmbeddingModel model = ModelCache.byPath(Path.of(bundle));
        List<int[]> rows = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(input), StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                String text = JSON.readTree(line).get("text").asText();
                rows.add(model.tokenizer().withSpecialTokens(model.tokenizer().encode(text)));
            }
        }
        List<OrtRuns.Run> runs = OrtRuns.record();
        embed(model, rows, perCall);
        OrtRuns.stop();
        double[] seconds = new double[repeats];
        for (int r = 0; r < repeats; r++) {
            long started = System.nanoTime();
            embed(model, rows, perCall);
            seconds[r] = (System.nanoTime() - started) / 1e9;
        }
        ObjectNode out = JSON.createObjectNode();
        out.put("model", model.versionTag());
        out.put("onnx_file", model.manifest().onnxFile());
        out.put("threads", ModelCache.threads());
        out.put("texts", rows.size());
        out.put("users_per_call", Math.min(perCall, rows.size()));
        out.put("tokens", rows.stream().mapToLong(r -> r.length).sum());
        out.put(
                "padded_tokens",
                runs.stream().mapToLong(r -> (long) r.rows() * r.width()).sum());
        out.put("batches", runs.size());
        out.put("median_s", SpeedBenchmark.median(seconds));
        out.putPOJO("seconds", seconds);
        System.out.println(JSON.writeValueAsString(out));
    }

    private static void embed(EmbeddingModel model, List<int[]> rows, int perCall) {
        for (int start = 0; start < rows.size(); start += perCall) {
            model.embedTokenRows(rows.subList(start, Math.min(rows.size(), start + perCall)));
        }
    }
}
