package io.llm4es.connectors.docs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The fenced code blocks of a Markdown file that a reader would run — ```sql, ```bash, ```sh,
 * ```python — each with the marker on the line above it: {@code <!-- run: h2 duckdb -->},
 * {@code <!-- run: shell -->}, {@code <!-- skip: why -->}, or none.
 */
final class MarkdownExamples {
    static final List<String> RUNNABLE = List.of("sql", "bash", "sh", "python");
    private static final Pattern FENCE = Pattern.compile("^```(\\w*)\\s*$");
    private static final Pattern MARKER = Pattern.compile("^<!--\\s*(run|skip):\\s*(.*?)\\s*-->\\s*$");

    /** One block: where it is, its language, {@code run}/{@code skip}/null and what follows (engines or reason). */
    record Example(String file, int line, String language, String marker, String argument, String text) {
        List<String> targets() {
            return List.of(argument.split("\\s+"));
        }

        @Override
        public String toString() {
            return file + ":" + line + " (" + language + (marker == null ? "" : ", " + marker + ": " + argument) + ")";
        }
    }

    private MarkdownExamples() {}

    static List<Example> of(Path markdown, String name) throws IOException {
        List<String> lines = Files.readAllLines(markdown);
        List<Example> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Matcher fence = FENCE.matcher(lines.get(i));
            if (!fence.matches() || fence.group(1).isEmpty()) {
                continue;
            }
            int start = i;
            StringBuilder text = new StringBuilder();
            for (i++; i < lines.size() && !lines.get(i).startsWith("```"); i++) {
                text.append(lines.get(i)).append('\n');
            }
            String language = fence.group(1);
            if (!RUNNABLE.contains(language)) {
                continue;
            }
            Matcher marker = start > 0 ? MARKER.matcher(lines.get(start - 1)) : null;
            boolean marked = marker != null && marker.matches();
            out.add(new Example(
                    name,
                    start + 1,
                    language,
                    marked ? marker.group(1) : null,
                    marked ? marker.group(2) : null,
                    text.toString()));
        }
        return out;
    }

    /** The statements of a SQL block: each ends with ';' at the end of a line (a trailing -- comment aside). */
    static List<String> statements(String sql) {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : sql.split("\n")) {
            String code = line.replaceFirst("\\s*--.*$", "");
            if (code.isBlank() && current.isEmpty()) {
                continue;
            }
            current.append(code).append('\n');
            if (code.strip().endsWith(";")) {
                String statement = current.toString().strip();
                out.add(statement.substring(0, statement.length() - 1));
                current.setLength(0);
            }
        }
        if (!current.toString().isBlank()) {
            out.add(current.toString().strip());
        }
        return out;
    }
}
