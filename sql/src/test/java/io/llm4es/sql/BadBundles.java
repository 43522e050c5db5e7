package io.llm4es.sql;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llm4es.udf.digest.Sha256;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Copies of stories260k that are broken on purpose, one fault each, for the bad-input corpus:
 * manifests with wrong values, types and names, files that point out of the bundle (by name or by
 * symbolic link), and broken tokenizers. Beside the models directory lies {@code outside/}: a
 * valid bundle and a secret file that no bundle may read.
 */
public final class BadBundles {
    private static final String SOURCE = "io/llm4es/models/stories260k/";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path models;
    private final Path outside;

    private BadBundles(Path models, Path outside) {
        this.models = models;
        this.outside = outside;
    }

    /** Writes every bad bundle into {@code models} and the outside files into {@code outside}. */
    public static void create(Path models, Path outside) throws IOException {
        new BadBundles(models, outside).all();
    }

    private void all() throws IOException {
        Path outsideBundle = Files.createDirectories(outside.resolve("stories"));
        for (String f : new String[] {"llm4es-model.json", "model.onnx", "tokenizer.json"}) {
            Files.write(outsideBundle.resolve(f), resource(f));
        }
        Files.writeString(outside.resolve("secret.txt"), "outside secret\n");
        // names
        manifest("bad-name-dotdot", m -> m.put("name", "../evil"));
        manifest("bad-name-colon", m -> m.put("name", "a:b"));
        manifest("bad-name-at", m -> m.put("name", "a@b"));
        manifest("bad-name-empty", m -> m.put("name", ""));
        manifest("bad-name-number", m -> m.put("name", 7));
        manifest("bad-name-slash", m -> m.put("name", "a/b"));
        manifest("bad-version-colon", m -> m.put("version", "1:2"));
        manifest("bad-version-space", m -> m.put("version", "1 2"));
        manifest("bad-no-name", m -> m.remove("name"));
        manifest("bad-format-2", m -> m.put("format_version", 2));
        manifest("bad-format-text", m -> m.put("format_version", "1"));
        // ranges and types
        manifest("bad-bos-negative", m -> tokens(m).put("bos_id", -5));
        manifest("bad-bos-beyond", m -> tokens(m).put("bos_id", 100000));
        manifest("bad-eos-beyond", m -> tokens(m).put("eos_id", 512).put("add_eos", true));
        manifest("bad-pad-negative", m -> tokens(m).put("pad_id", -1));
        manifest("bad-pad-beyond", m -> tokens(m).put("pad_id", 512));
        manifest("bad-bos-text", m -> tokens(m).put("bos_id", "1"));
        manifest("bad-bos-fraction", m -> tokens(m).put("bos_id", 1.5));
        manifest("bad-add-bos-text", m -> tokens(m).put("add_bos", "yes"));
        manifest("bad-layers-to-99", m -> pooling(m).put("layers_to", 99));
        manifest("bad-layers-from-negative", m -> pooling(m).put("layers_from", -1));
        manifest("bad-layers-reversed", m -> pooling(m).put("layers_from", 5).put("layers_to", 2));
        manifest("bad-hidden-7", m -> m.put("hidden_size", 7));
        manifest("bad-dim-7", m -> m.put("embedding_dim", 7));
        manifest("bad-hidden-zero", m -> m.put("hidden_size", 0).put("embedding_dim", 0));
        manifest("bad-layers-zero", m -> m.put("num_layers", 0));
        manifest("bad-max-tokens-huge", m -> m.put("max_tokens", 1_000_000_000_000L));
        manifest("bad-max-tokens-zero", m -> m.put("max_tokens", 0));
        manifest("bad-max-tokens-negative", m -> m.put("max_tokens", -512));
        manifest("bad-max-tokens-text", m -> m.put("max_tokens", "512"));
        manifest("bad-max-tokens-fraction", m -> m.put("max_tokens", 511.5));
        manifest("bad-max-tokens-one", m -> m.put("max_tokens", 1));
        manifest("bad-serializer-max-tokens-huge", m -> serializer(m).put("max_tokens", 1_000_000_000_000L));
        manifest("bad-serializer-unknown-key", m -> serializer(m).put("colour", "blue"));
        manifest("bad-serializer-no-fields", m -> serializer(m).putArray("fields"));
        manifest("bad-serializer-rendering", m -> serializer(m).put("rendering", "poem"));
        manifest("bad-serializer-truncation", m -> serializer(m).put("truncation", "sometimes"));
        manifest(
                "bad-serializer-role",
                m -> ((ObjectNode) serializer(m).get("fields").get(0)).put("role", "colour"));
        manifest(
                "bad-serializer-format",
                m -> ((ObjectNode) serializer(m).get("fields").get(0)).put("format", "yyyy-MM-dd'"));
        manifest(
                "bad-serializer-format-pad",
                m -> ((ObjectNode) serializer(m).get("fields").get(0)).put("format", "yyyped]y-MM-dd"));
        manifest(
                "bad-serializer-twice",
                m -> serializer(m)
                        .withArray("fields")
                        .add(serializer(m).get("fields").get(0)));
        manifest("bad-no-pooling", m -> m.remove("pooling"));
        manifest("bad-pooling-array", m -> m.putArray("pooling"));
        manifest("bad-no-files", m -> m.remove("files"));
        manifest("bad-files-array", m -> m.putArray("files"));
        manifest("bad-files-no-tokenizer", m -> files(m).remove("tokenizer.json"));
        manifest("bad-sha-not-hex", m -> files(m).put("model.onnx", "not-a-sha256"));
        manifest("bad-sha-mismatch", m -> files(m).put("model.onnx", "0".repeat(64)));
        manifest("bad-sha-number", m -> files(m).put("model.onnx", 5));
        // escapes by name
        manifest("esc-onnx-dotdot", m -> onnx(m, "../../outside/stories/model.onnx"));
        manifest(
                "esc-onnx-absolute",
                m -> onnx(m, outside.resolve("stories/model.onnx").toString()));
        manifest("esc-onnx-empty", m -> onnx(m, ""));
        manifest("esc-onnx-dot", m -> onnx(m, "."));
        manifest("esc-onnx-backslash", m -> onnx(m, "..\\..\\outside\\stories\\model.onnx"));
        manifest("esc-onnx-nul", m -> onnx(m, "model.onnx\u0000.txt"));
        manifest("esc-onnx-tilde", m -> onnx(m, "~/model.onnx"));
        manifest("esc-files-etc", m -> files(m).put("/etc/hostname", "0".repeat(64)));
        manifest("esc-files-dotdot", m -> files(m).put("../../outside/secret.txt", "0".repeat(64)));
        manifest("esc-files-inner-dotdot", m -> files(m).put("sub/../../outside/secret.txt", "0".repeat(64)));
        // escapes by a dictionary file the serializer names
        Files.writeString(outside.resolve("codes.csv"), "code,description\nD,debit outside\nC,credit outside\n");
        manifest(
                "esc-dictionary-file",
                m -> dictionaryFile(m, outside.resolve("codes.csv").toString()));
        manifest("esc-dictionary-dev-zero", m -> dictionaryFile(m, "/dev/zero"));
        // escapes by link
        linked("esc-link-onnx", "model.onnx", outside.resolve("stories/model.onnx"));
        linked("esc-link-tokenizer", "tokenizer.json", outside.resolve("stories/tokenizer.json"));
        linked("esc-link-manifest", "llm4es-model.json", outside.resolve("stories/llm4es-model.json"));
        linked("esc-link-dangling", "model.onnx", outside.resolve("no-such-file"));
        Files.createSymbolicLink(models.resolve("esc-link-dir"), outsideBundle);
        // raw manifests
        raw("bad-manifest-trailing", text -> text + " xyz");
        raw("bad-manifest-second-object", text -> text + "{\"bogus\": 1}");
        raw("bad-manifest-duplicate", text -> text.replaceFirst("\\{", "{\"max_tokens\": 8, "));
        raw("bad-manifest-not-json", text -> "this is not json");
        raw("bad-manifest-array", text -> "[" + text + "]");
        raw("bad-manifest-empty", text -> "");
        raw("bad-manifest-truncated", text -> text.substring(0, text.length() / 2));
        raw(
                "bad-manifest-deep",
                text -> text.replaceFirst("\\{", "{\"deep\": " + "[".repeat(200) + "]".repeat(200) + ", "));
        // tokenizers
        tokenizer("bad-tokenizer-not-json", "not json".getBytes(StandardCharsets.UTF_8));
        tokenizer("bad-tokenizer-empty", new byte[0]);
        tokenizer("bad-tokenizer-no-model", "{\"version\": \"1.0\"}".getBytes(StandardCharsets.UTF_8));
        tokenizer(
                "bad-tokenizer-bad-type",
                "{\"version\": \"1.0\", \"model\": {\"type\": \"Nope\"}}".getBytes(StandardCharsets.UTF_8));
        // a model file that is not a model, with a matching sha256: native failure
        withFile("bad-onnx-garbage", "model.onnx", "garbage".getBytes(StandardCharsets.UTF_8));
        withFile("bad-onnx-empty", "model.onnx", new byte[0]);
        missing("bad-onnx-missing", "model.onnx");
        missing("bad-tokenizer-missing", "tokenizer.json");
    }

    private static ObjectNode tokens(ObjectNode m) {
        return (ObjectNode) m.get("tokens");
    }

    private static ObjectNode pooling(ObjectNode m) {
        return (ObjectNode) m.get("pooling");
    }

    private static ObjectNode serializer(ObjectNode m) {
        return (ObjectNode) m.get("serializer");
    }

    private static ObjectNode files(ObjectNode m) {
        return (ObjectNode) m.get("files");
    }

    /** onnx.file names {@code file}, and 'files' lists it with the real model's sha256. */
    private static void onnx(ObjectNode m, String file) {
        ((ObjectNode) m.get("onnx")).put("file", file);
        files(m).set(file, files(m).get("model.onnx"));
    }

    /** The serializer's 'type' field reads its codes from {@code path} instead of its inline dictionary. */
    private static void dictionaryFile(ObjectNode m, String path) {
        ObjectNode type = (ObjectNode) serializer(m).get("fields").get(1);
        type.remove("dictionary");
        type.put("dictionary_ref", "file:" + path);
    }

    private Path copy(String name) throws IOException {
        Path dir = Files.createDirectories(models.resolve(name));
        for (String f : new String[] {"llm4es-model.json", "model.onnx", "tokenizer.json"}) {
            Files.write(dir.resolve(f), resource(f));
        }
        return dir;
    }

    private void manifest(String name, Consumer<ObjectNode> change) throws IOException {
        Path dir = copy(name);
        ObjectNode m = (ObjectNode) JSON.readTree(resource("llm4es-model.json"));
        m.put("name", name);
        change.accept(m);
        Files.writeString(dir.resolve("llm4es-model.json"), JSON.writeValueAsString(m));
    }

    private void raw(String name, java.util.function.UnaryOperator<String> change) throws IOException {
        Path dir = copy(name);
        ObjectNode m = (ObjectNode) JSON.readTree(resource("llm4es-model.json"));
        m.put("name", name);
        Files.writeString(
                dir.resolve("llm4es-model.json"),
                change.apply(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(m)));
    }

    private void linked(String name, String file, Path target) throws IOException {
        Path dir = copy(name);
        if (!file.equals("llm4es-model.json")) {
            ObjectNode m = (ObjectNode) JSON.readTree(resource("llm4es-model.json"));
            m.put("name", name);
            Files.writeString(dir.resolve("llm4es-model.json"), JSON.writeValueAsString(m));
        }
        Files.delete(dir.resolve(file));
        Files.createSymbolicLink(dir.resolve(file), target);
    }

    private void tokenizer(String name, byte[] content) throws IOException {
        withFile(name, "tokenizer.json", content);
    }

    /** {@code file} replaced by {@code content}, the manifest's sha256 updated: it passes the integrity check. */
    private void withFile(String name, String file, byte[] content) throws IOException {
        manifest(name, m -> files(m).put(file, Sha256.hex(content)));
        Files.write(models.resolve(name).resolve(file), content);
    }

    private void missing(String name, String file) throws IOException {
        manifest(name, m -> {});
        Files.delete(models.resolve(name).resolve(file));
    }

    private static byte[] resource(String file) throws IOException {
        try (InputStream in = BadBundles.class.getClassLoader().getResourceAsStream(SOURCE + file)) {
            if (in == null) {
                throw new IOException("no " + SOURCE + file + " on the class path");
            }
            return in.readAllBytes();
        }
    }
}
