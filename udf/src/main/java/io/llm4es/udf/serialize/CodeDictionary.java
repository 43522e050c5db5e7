package io.llm4es.udf.serialize;

import com.fasterxml.jackson.databind.JsonNode;
import io.llm4es.udf.digest.Sha256;
import io.llm4es.udf.error.Llm4esException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Code → meaning for a category field. Given inline in the config, or referenced as
 * {@code builtin:NAME} (a CSV shipped in the jar, see {@link #BUILTINS}) or {@code file:PATH}
 * (CSV {@code code,description} with a header row, or a JSON object). A builtin stays a
 * reference when the config is recorded, pinned by its sha256 so an edited list cannot change
 * a model's text silently; a file is inlined, since it does not travel with a bundle.
 */
public final class CodeDictionary {
    public static final List<String> BUILTINS = List.of(
            "mcc",
            "berka_type",
            "berka_operation",
            "berka_k_symbol",
            "berka_statement_frequency",
            "bpic2012_activity",
            "bpic2012_lifecycle");
    private static final String RESOURCES = "/io/llm4es/dictionaries/";
    private static final Map<String, CodeDictionary> LOADED_BUILTINS = new ConcurrentHashMap<>();

    private final String builtin;
    private final Map<String, String> entries;
    private final String sha256;

    private CodeDictionary(String builtin, Map<String, String> entries) {
        this.builtin = builtin;
        this.entries = Map.copyOf(entries);
        this.sha256 = digest(new TreeMap<>(entries));
    }

    public static CodeDictionary inline(Map<String, String> entries) {
        return new CodeDictionary(null, entries);
    }

    static final long MAX_FILE_BYTES = 16L << 20;

    /** Resolves {@code builtin:NAME} or {@code file:PATH}; {@code expectedSha256} pins a builtin. */
    public static CodeDictionary resolve(String ref, String expectedSha256, String field) {
        if (ref.startsWith("builtin:")) {
            String name = ref.substring("builtin:".length());
            if (!BUILTINS.contains(name)) {
                throw Llm4esException.invalid(
                        "field '" + field + "': no builtin dictionary '" + name + "' (builtins: " + BUILTINS + ")");
            }
            CodeDictionary d = LOADED_BUILTINS.computeIfAbsent(name, CodeDictionary::loadBuiltin);
            if (expectedSha256 != null && !expectedSha256.equals(d.sha256)) {
                throw Llm4esException.invalid("field '" + field + "': builtin dictionary '" + name + "' of this llm4es "
                        + "(sha256 " + d.sha256 + ") differs from the one the config was recorded with ("
                        + expectedSha256
                        + "); use the llm4es version the model was trained with, or inline the dictionary");
            }
            return d;
        }
        if (expectedSha256 != null) {
            throw Llm4esException.invalid("field '" + field + "': dictionary_sha256 pins only builtin dictionaries");
        }
        if (ref.startsWith("file:")) {
            Path path;
            try {
                path = Path.of(ref.substring("file:".length()));
            } catch (InvalidPathException e) {
                throw Llm4esException.invalid(
                        "field '" + field + "': dictionary_ref is not a usable path: " + e.getReason());
            }
            try {
                // a code table is small: a device, a pipe or a huge file would hang or fill the heap
                if (!Files.isRegularFile(path) || Files.size(path) > MAX_FILE_BYTES) {
                    throw Llm4esException.invalid("field '" + field + "': dictionary " + path
                            + " is not a regular file of at most " + (MAX_FILE_BYTES >> 20) + " MiB");
                }
                String text = Files.readString(path, StandardCharsets.UTF_8);
                String where = "field '" + field + "': dictionary " + path;
                return inline(path.toString().endsWith(".json") ? fromJson(text, where) : fromCsv(text, where));
            } catch (IOException e) {
                throw Llm4esException.invalid("field '" + field + "': cannot read dictionary " + path + ": " + e);
            }
        }
        throw Llm4esException.invalid("field '" + field + "': dictionary_ref '" + ref
                + "' must be builtin:NAME or file:PATH (.csv or .json)");
    }

    private static CodeDictionary loadBuiltin(String name) {
        try (InputStream in = CodeDictionary.class.getResourceAsStream(RESOURCES + name + ".csv")) {
            if (in == null) {
                throw new IllegalStateException("builtin dictionary " + name + " is missing from the jar");
            }
            return new CodeDictionary(
                    name, fromCsv(new String(in.readAllBytes(), StandardCharsets.UTF_8), "builtin dictionary " + name));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read builtin dictionary " + name, e);
        }
    }

    static Map<String, String> fromJson(String text, String where) {
        JsonNode node;
        try {
            node = SerializerConfig.JSON.readTree(text);
        } catch (IOException e) {
            throw Llm4esException.invalid(where + " is not valid JSON: " + e.getMessage());
        }
        if (node == null || !node.isObject()) {
            throw Llm4esException.invalid(where + " must be a JSON object of code -> text");
        }
        Map<String, String> entries = new LinkedHashMap<>();
        node.fields()
                .forEachRemaining(
                        e -> entries.put(e.getKey(), meaning(e.getValue().asText(), e.getKey(), where)));
        return entries;
    }

    /** RFC 4180 CSV with the header {@code code,description}; descriptions may be quoted. */
    static Map<String, String> fromCsv(String text, String where) {
        List<List<String>> rows = CsvRows.parse(text, where);
        if (rows.isEmpty() || !rows.get(0).equals(List.of("code", "description"))) {
            throw Llm4esException.invalid(where + ": the first row must be the header code,description");
        }
        Map<String, String> entries = new LinkedHashMap<>();
        for (int i = 1; i < rows.size(); i++) {
            List<String> row = rows.get(i);
            if (row.size() != 2) {
                throw Llm4esException.invalid(
                        where + ": row " + (i + 1) + " has " + row.size() + " columns, expected 2");
            }
            if (entries.put(row.get(0), meaning(row.get(1), row.get(0), where)) != null) {
                throw Llm4esException.invalid(where + ": code '" + row.get(0) + "' is listed twice");
            }
        }
        return entries;
    }

    private static String meaning(String text, String code, String where) {
        if (text.isBlank() || text.contains("\n") || text.contains("\r")) {
            throw Llm4esException.invalid(
                    where + ": the meaning of code '" + code + "' must be a non-empty single line");
        }
        return text;
    }

    private static String digest(Map<String, String> sorted) {
        MessageDigest md = Sha256.digest();
        for (Map.Entry<String, String> e : sorted.entrySet()) {
            md.update((e.getKey() + '\t' + e.getValue() + '\n').getBytes(StandardCharsets.UTF_8));
        }
        return Sha256.hex(md);
    }

    /** The builtin's name, or null for a dictionary that is recorded inline. */
    public String builtin() {
        return builtin;
    }

    public Map<String, String> entries() {
        return entries;
    }

    /** Over the sorted entries, so the same codes and meanings always give the same digest. */
    public String sha256() {
        return sha256;
    }

    public String meaning(String code) {
        return entries.get(code);
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }
}
