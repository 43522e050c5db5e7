package io.llm4es.benchmarks;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.llm4es.udf.embed.ModelCache;
import io.llm4es.udf.serialize.Event;
import io.llm4es.udf.serialize.EventSerializer;
import io.llm4es.udf.serialize.StrictJson;
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
 * One event through the bundled model's serializer (dates formatted, type and merchant codes
 * looked up in its dictionaries, amounts formatted), one thread: JSON text to parsed tree, tree
 * to rendered line, and the whole way as the aggregate does it. Each operation is one event.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xmx1g"})
public class SerializerBenchmark {
    private EventSerializer serializer;
    private String[] json;
    private JsonNode[] parsed;
    private int next;

    @Setup
    public void setUp() throws JsonProcessingException {
        serializer = ModelCache.byName(null).serializer();
        json = DemoEvents.all();
        parsed = new JsonNode[json.length];
        for (int i = 0; i < json.length; i++) {
            parsed[i] = StrictJson.read(json[i]);
        }
    }

    private int nextIndex() {
        int i = next;
        next = i + 1 == json.length ? 0 : i + 1;
        return i;
    }

    /** Event JSON text to the parsed tree (strict: duplicate keys and trailing content refused). */
    @Benchmark
    public JsonNode parse() throws JsonProcessingException {
        return StrictJson.read(json[nextIndex()]);
    }

    /** Parsed event to its field values and plain line. */
    @Benchmark
    public Event render() {
        return serializer.event(parsed[nextIndex()]);
    }

    /** Event JSON text to its plain line: what the aggregate renders for every row. */
    @Benchmark
    public String jsonToLine() {
        return serializer.renderEvent(json[nextIndex()]);
    }
}
