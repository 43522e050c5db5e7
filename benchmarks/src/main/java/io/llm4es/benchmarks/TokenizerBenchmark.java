package io.llm4es.benchmarks;

import io.llm4es.udf.embed.BundleTokenizer;
import io.llm4es.udf.embed.EmbeddingModel;
import io.llm4es.udf.embed.ModelCache;
import io.llm4es.udf.serialize.SerializedHistory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Tokenization with the bundled model's tokenizer, the part of serialize + embed that is not
 * inference: one user's kept text (the text the model sees), one event line alone (what a call
 * costs beyond its characters), and fitting one user's rendered lines to the token budget (every
 * text the serializer tokenizes to find which events fit). Setup prints what each operation reads.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xmx1g"})
public class TokenizerBenchmark {
    private BundleTokenizer tokenizer;
    private EmbeddingModel model;
    private String[] histories;
    private String[] lines;
    private List<List<String>> renderedUsers;
    private int next;
    private int nextLine;
    private int nextUser;

    @Setup
    public void setUp() {
        model = ModelCache.byName(null);
        tokenizer = model.tokenizer();
        List<String> texts = new ArrayList<>();
        List<String> all = new ArrayList<>();
        renderedUsers = new ArrayList<>();
        long events = 0;
        long kept = 0;
        for (List<String> user : DemoEvents.perUser()) {
            List<String> rendered = new ArrayList<>();
            for (String e : user) {
                rendered.add(model.serializer().renderEvent(e));
            }
            SerializedHistory h = model.serialize(rendered);
            texts.add(h.text());
            all.addAll(rendered);
            renderedUsers.add(rendered);
            events += user.size();
            kept += h.keptEvents();
        }
        histories = texts.toArray(String[]::new);
        lines = all.toArray(String[]::new);
        System.out.printf(
                "%n%.1f events per user, %.1f kept in the budget of %d tokens, %.1f characters per line%n",
                (double) events / histories.length,
                (double) kept / histories.length,
                model.manifest().tokenBudget(),
                all.stream().mapToInt(String::length).average().orElse(0));
    }

    @Benchmark
    public int[] encodeHistory() {
        int i = next;
        next = i + 1 == histories.length ? 0 : i + 1;
        return tokenizer.encode(histories[i]);
    }

    /** One event's line alone: the fixed cost of a call against the per-character cost above. */
    @Benchmark
    public int[] encodeLine() {
        int i = nextLine;
        nextLine = i + 1 == lines.length ? 0 : i + 1;
        return tokenizer.encode(lines[i]);
    }

    /** One user's rendered lines fitted to the budget: every tokenization the serializer needs. */
    @Benchmark
    public SerializedHistory fitHistory() {
        int i = nextUser;
        nextUser = i + 1 == renderedUsers.size() ? 0 : i + 1;
        return model.serialize(renderedUsers.get(i));
    }
}
