package io.llm4es.udf.serialize;

import io.llm4es.udf.error.Llm4esException;
import java.util.List;

/** The renderings by name: the paper's plain lines and the alternative views of the same history. */
public final class Renderings {
    public static final String LINES = "lines";
    private static final List<Rendering> ALL = List.of(
            new LinesRendering(),
            new JsonRendering(),
            new YamlRendering(),
            new MarkdownRendering(),
            new HtmlRendering(),
            new GroupedRendering(),
            new CompactRendering());
    public static final List<String> NAMES = ALL.stream().map(Rendering::name).toList();

    private Renderings() {}

    public static Rendering byName(String name) {
        for (Rendering r : ALL) {
            if (r.name().equals(name)) {
                return r;
            }
        }
        throw Llm4esException.invalid("rendering '" + name + "' is not one of " + NAMES);
    }
}
