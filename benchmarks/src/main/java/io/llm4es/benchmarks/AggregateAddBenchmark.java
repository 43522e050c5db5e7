package io.llm4es.benchmarks;

import io.llm4es.udf.aggregate.GroupState;
import io.llm4es.udf.aggregate.Variant;
import io.llm4es.udf.embed.EmbeddingModel;
import io.llm4es.udf.embed.ModelCache;
import io.llm4es.udf.embed.ModelResolver;
import java.nio.charset.StandardCharsets;
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
 * user_embedding's add for one row, as H2 calls it: the event as H2 hands a JSON value (UTF-8
 * bytes), the order key as a {@code java.sql.Date}, the model resolved once per statement. A new
 * group starts at each user's first event, so the per-group work is in the figure, spread over
 * the user's events as in a GROUP BY.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xmx1g"})
public class AggregateAddBenchmark {
    private ModelResolver statementModels;
    private byte[][] events;
    private java.sql.Date[] keys;
    private boolean[] firstOfUser;
    private GroupState group;
    private int next;

    @Setup
    public void setUp() {
        EmbeddingModel model = ModelCache.byName(null);
        statementModels = ref -> model;
        List<List<String>> users = DemoEvents.perUser();
        int n = users.stream().mapToInt(List::size).sum();
        events = new byte[n][];
        keys = new java.sql.Date[n];
        firstOfUser = new boolean[n];
        int i = 0;
        for (List<String> user : users) {
            for (int e = 0; e < user.size(); e++, i++) {
                String json = user.get(e);
                events[i] = json.getBytes(StandardCharsets.UTF_8);
                keys[i] = java.sql.Date.valueOf(
                        json.substring(json.indexOf("\"date\":\"") + 8).substring(0, 10));
                firstOfUser[i] = e == 0;
            }
        }
    }

    @Benchmark
    public GroupState add() {
        int i = next;
        next = i + 1 == events.length ? 0 : i + 1;
        if (firstOfUser[i]) {
            group = new GroupState(Variant.STRICT);
            group.resolveWith(statementModels);
        }
        group.add(events[i], keys[i], null);
        return group;
    }
}
