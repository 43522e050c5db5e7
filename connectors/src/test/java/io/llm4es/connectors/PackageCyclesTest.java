package io.llm4es.connectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Dependencies between the packages of the Java modules' main code point one way: no two
 * packages reach each other (Tarjan's strongly connected components over every reference to an
 * io.llm4es class, imported or written out in full). Reads the sources of the sibling modules.
 */
class PackageCyclesTest {
    private static final Pattern PACKAGE = Pattern.compile("^package (io\\.llm4es[\\w.]*);", Pattern.MULTILINE);
    private static final Pattern REFERENCE = Pattern.compile("\\b(io\\.llm4es(?:\\.[a-z]\\w*)+)\\.[A-Z]");

    @Test
    void noPackageCycles() throws IOException {
        Map<String, Set<String>> uses = new TreeMap<>();
        for (String module : List.of("udf", "sql", "connectors", "examples")) {
            Path src = Path.of("..", module, "src", "main", "java");
            assertTrue(Files.isDirectory(src), src + " (run from the connectors module)");
            try (Stream<Path> files = Files.walk(src)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                    String code = Files.readString(f);
                    Matcher pm = PACKAGE.matcher(code);
                    assertTrue(pm.find(), "no package line in " + f);
                    Set<String> targets = uses.computeIfAbsent(pm.group(1), k -> new TreeSet<>());
                    Matcher rm = REFERENCE.matcher(code.substring(pm.end()));
                    while (rm.find()) {
                        if (!rm.group(1).equals(pm.group(1))) {
                            targets.add(rm.group(1));
                        }
                    }
                }
            }
        }
        assertTrue(uses.size() > 15, "read the packages of every module: " + uses.keySet());
        assertEquals(List.of(), cycles(uses), "packages that depend on each other");
    }

    /** The strongly connected components of more than one package. */
    private static List<Set<String>> cycles(Map<String, Set<String>> graph) {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        List<Set<String>> found = new ArrayList<>();
        for (String v : graph.keySet()) {
            if (!index.containsKey(v)) {
                connect(v, graph, index, low, stack, found);
            }
        }
        return found;
    }

    private static void connect(
            String v,
            Map<String, Set<String>> graph,
            Map<String, Integer> index,
            Map<String, Integer> low,
            Deque<String> stack,
            List<Set<String>> found) {
        index.put(v, index.size());
        low.put(v, index.get(v));
        stack.push(v);
        for (String w : graph.getOrDefault(v, Set.of())) {
            if (!index.containsKey(w)) {
                connect(w, graph, index, low, stack, found);
                low.put(v, Math.min(low.get(v), low.get(w)));
            } else if (stack.contains(w)) {
                low.put(v, Math.min(low.get(v), index.get(w)));
            }
        }
        if (low.get(v).equals(index.get(v))) {
            Set<String> component = new TreeSet<>();
            String w;
            do {
                w = stack.pop();
                component.add(w);
            } while (!w.equals(v));
            if (component.size() > 1) {
                found.add(component);
            }
        }
    }
}
