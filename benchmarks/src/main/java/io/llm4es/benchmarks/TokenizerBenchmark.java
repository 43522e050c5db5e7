package io.llm4es.benchmarks;

import io.llm4es.udf.embed.BundleTokenizer;
import io.llm4es.udf.embed.EmbeddingModel;
import io.llm4es.udf.embed.ModelCache;
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
 * For context: tokenizing one user's rendered history (the text the model sees) with the bundled
 * model's tokenizer. Each operation is one history; setup prints the events per history.
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
    private String[] histories;
    private int next;

    @Setup
    public void setUp() {
        EmbeddingModel model = ModelCache.byName(null);
        tokenizer = model.tokenizer();
        List<String> texts = new ArrayList<>();
        long events = 0;
        for (List<String> user : DemoEvents.perUser()) {
            List<String> lines = new ArrayList<>();
            for (String e : user) {
                lines.add(model.serializer().renderEvent(e));
            }
            texts.add(model.serialize(lines).text());
            events += user.size();
        }
        histories = texts.toArray(String[]::new);
        System.out.printf("%n%.1f events per history%n", (double) events / histories.length);
    }

    @Benchmark
    public int[] encodeHistory() {
        int i = next;
        next = i + 1 == histories.length ? 0 : i + 1;
        return tokenizer.encode(histories[i]);
    }
}
