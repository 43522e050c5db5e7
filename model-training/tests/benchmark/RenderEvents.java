import io.llm4es.udf.serialize.EventSerializer;
import io.llm4es.udf.serialize.SerializerConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Test helper, run with the llm4es jar on the class path: for each folder given, parses its
 * serializer.json with the product's parser and renders every event of sample.jsonl (one JSON
 * object of fields per line) into rendered.txt.
 */
public class RenderEvents {
    public static void main(String[] args) throws Exception {
        for (String dir : args) {
            Path folder = Path.of(dir);
            EventSerializer serializer = new EventSerializer(
                    SerializerConfig.parse(Files.readString(folder.resolve("serializer.json"), StandardCharsets.UTF_8)));
            List<String> lines = new ArrayList<>();
            for (String event : Files.readAllLines(folder.resolve("sample.jsonl"), StandardCharsets.UTF_8)) {
                lines.add(serializer.renderEvent(event));
            }
            Files.write(folder.resolve("rendered.txt"), lines, StandardCharsets.UTF_8);
        }
    }
}
