package io.llm4es.connectors.materialize;

import io.llm4es.connectors.export.SourceHistories;
import io.llm4es.sql.registry.ModelRegistry;
import io.llm4es.sql.registry.RegistryResolver;
import io.llm4es.udf.aggregate.EmbeddingOutcome;
import io.llm4es.udf.digest.Sha256;
import io.llm4es.udf.embed.EmbeddingModel;
import io.llm4es.udf.embed.EmbeddingResult;
import io.llm4es.udf.error.SqlState;
import io.llm4es.udf.serialize.OrderedEvents;
import io.llm4es.udf.serialize.SerializedHistory;
import java.io.IOException;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * {@code materialize_embeddings}: embeds every user of a source query (user id, event JSON,
 * order key) into a target table keyed by (user_id, model_version). Each batch of users is
 * written and committed in one transaction, so a killed job leaves whole batches and a rerun
 * picks up where it stopped: users whose serialized text and model are unchanged are skipped
 * (looked up a batch at a time, so the job holds no per-user state of the whole target).
 * Per-user failures go to {@code <table>_errors} instead of stopping the job.
 */
public final class MaterializeJob {
    private static final long PROGRESS_EVERY_NANOS = 5_000_000_000L;
    private final Connection source;
    private final Connection target;
    private final PrintStream progressOut;

    /**
     * @param source   read with the registry of its database (model references resolve there, else
     *                 in the models directory)
     * @param target   written in transactions of its own (auto-commit is switched off)
     * @param progress where a line per committed batch goes (stderr for the CLI)
     */
    public MaterializeJob(Connection source, Connection target, PrintStream progress) {
        this.source = source;
        this.target = target;
        this.progressOut = progress;
    }

    public MaterializeReport run(String sourceSql, String table, String modelRef, MaterializeOptions options)
            throws SQLException {
        // resolved once: an alias moved while the job runs does not change its model
        EmbeddingModel model = new RegistryResolver(new ModelRegistry(source, "llm4es")).resolve(modelRef);
        progressOut.printf("llm4es materialize %s: counting the users of the source query%n", model.versionTag());
        progressOut.flush();
        SourceShape shape = sourceShape(sourceSql);
        target.setAutoCommit(false);
        TargetTable out = TargetTable.prepare(target, table, model.manifest().embeddingDim(), shape.keyType());
        Run run = new Run(model, out, options, shape.users());
        run.progress(true);
        try {
            SourceHistories.read(
                    source,
                    sourceSql,
                    model.serializer(),
                    "materialize_embeddings",
                    (user, events) -> {
                        try {
                            run.accept(SourceHistories.idText(user), events);
                        } catch (SQLException e) {
                            throw new IOException(e);
                        }
                        return true;
                    },
                    (user, failure) -> {
                        try {
                            run.fail(SourceHistories.idText(user), failure);
                        } catch (SQLException e) {
                            throw new IOException(e);
                        }
                    });
            run.flush();
        } catch (IOException e) {
            throw e.getCause() instanceof SQLException s
                    ? s
                    : new SQLException(e.getMessage(), SqlState.SYSTEM_ERROR.code(), e);
        }
        run.progress(true);
        return run.report();
    }

    /** The failure's message, naming its user (once). */
    static String atUser(String user, RuntimeException failure) {
        String message = String.valueOf(failure.getMessage());
        return message.contains("user " + user + ": ") ? message : "user " + user + ": " + message;
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? s / 3600 + "h " + s % 3600 / 60 + "m" : s >= 60 ? s / 60 + "m " + s % 60 + "s" : s + "s";
    }

    /** The number of users of the source query and the JDBC type of its user id column. */
    private record SourceShape(long users, int keyType) {}

    private SourceShape sourceShape(String sourceSql) throws SQLException {
        String column;
        int keyType;
        try (PreparedStatement ps = source.prepareStatement("SELECT * FROM (" + sourceSql + ") llm4es_source")) {
            column = ps.getMetaData().getColumnLabel(1);
            keyType = ps.getMetaData().getColumnType(1);
        }
        try (Statement st = source.createStatement();
                ResultSet rs = st.executeQuery("SELECT COUNT(DISTINCT \"" + column.replace("\"", "\"\"") + "\") FROM ("
                        + sourceSql + ") llm4es_source")) {
            rs.next();
            return new SourceShape(rs.getLong(1), keyType);
        }
    }

    /** One user waiting in the current batch. */
    private record Pending(
            String user, SerializedHistory text, String textSha, EmbeddingResult result, RuntimeException failure) {
        Pending with(EmbeddingResult r) {
            return new Pending(user, text, textSha, r, null);
        }
    }

    /** The state of one run: the batch being filled and the counters. */
    private final class Run {
        private final EmbeddingModel model;
        private final TargetTable out;
        private final MaterializeOptions options;
        private final long total;
        private final long started = System.nanoTime();
        private final List<Pending> batch = new ArrayList<>();
        private long users;
        private long written;
        private long unchanged;
        private long failed;
        private long truncated;
        private long droppedEvents;
        private long lastLine = System.nanoTime();
        private String lastCounts = "";

        Run(EmbeddingModel model, TargetTable out, MaterializeOptions options, long total) {
            this.model = model;
            this.out = out;
            this.options = options;
            this.total = total;
        }

        void accept(String user, OrderedEvents events) throws SQLException {
            users++;
            progress(false);
            if (!options.shard().contains(user)) {
                return;
            }
            SerializedHistory text;
            try {
                text = model.serializeEvents(events.oldestFirst(), null);
            } catch (RuntimeException e) {
                failed(user, e);
                return;
            }
            batch.add(new Pending(user, text, Sha256.hex(text.text()), null, null));
            flushIfFull();
        }

        /** A user whose events could not be read: an error row, or the end of the job with fail_fast. */
        void fail(String user, RuntimeException failure) throws SQLException {
            users++;
            progress(false);
            if (options.shard().contains(user)) {
                failed(user, failure);
            }
        }

        private void failed(String user, RuntimeException failure) throws SQLException {
            if (options.failFast()) {
                flush();
                throw new SQLException(
                        atUser(user, failure), EmbeddingOutcome.stateOf(failure).code(), failure);
            }
            batch.add(new Pending(user, null, null, null, failure));
            flushIfFull();
        }

        private void flushIfFull() throws SQLException {
            if (batch.size() >= options.batchUsers()) {
                flush();
                progress(true);
            }
        }

        /** Embeds the batch and writes it, rows and errors, in one transaction. */
        void flush() throws SQLException {
            skipUnchanged();
            if (batch.isEmpty()) {
                return;
            }
            List<Pending> embedded = embed();
            String version = model.versionTag();
            try (PreparedStatement deleteRow = target.prepareStatement(
                            "DELETE FROM " + out.name + " WHERE user_id = ? AND model_version = ?");
                    PreparedStatement insertRow = target.prepareStatement(out.insertSql());
                    PreparedStatement deleteError = target.prepareStatement(
                            "DELETE FROM " + out.errors + " WHERE user_id = ? AND model_version = ?");
                    PreparedStatement insertError = target.prepareStatement(
                            "INSERT INTO " + out.errors
                                    + " (user_id, model_version, sqlstate, message, failed_at) VALUES (?, ?, ?, ?, CURRENT_TIMESTAMP)")) {
                for (Pending p : embedded) {
                    out.bindUser(deleteRow, 1, p.user());
                    deleteRow.setString(2, version);
                    deleteRow.addBatch();
                    out.bindUser(deleteError, 1, p.user());
                    deleteError.setString(2, version);
                    deleteError.addBatch();
                }
                deleteRow.executeBatch();
                deleteError.executeBatch();
                for (Pending p : embedded) {
                    if (p.failure() != null) {
                        if (options.failFast()) {
                            target.rollback();
                            throw new SQLException(
                                    atUser(p.user(), p.failure()),
                                    EmbeddingOutcome.stateOf(p.failure()).code(),
                                    p.failure());
                        }
                        out.bindUser(insertError, 1, p.user());
                        insertError.setString(2, version);
                        insertError.setString(
                                3, EmbeddingOutcome.stateOf(p.failure()).code());
                        String message = atUser(p.user(), p.failure());
                        insertError.setString(4, message.length() > 4000 ? message.substring(0, 4000) : message);
                        insertError.addBatch();
                        failed++;
                        continue;
                    }
                    EmbeddingResult r = p.result();
                    if (r.droppedEvents() > 0) {
                        truncated++;
                        droppedEvents += r.droppedEvents();
                    }
                    out.bindUser(insertRow, 1, p.user());
                    insertRow.setString(2, version);
                    out.bindEmbedding(target, insertRow, 3, r.vector());
                    insertRow.setString(4, r.status().name().toLowerCase(java.util.Locale.ROOT));
                    insertRow.setInt(5, r.events());
                    insertRow.setInt(6, r.tokens());
                    insertRow.setInt(7, r.droppedEvents());
                    insertRow.setString(8, p.textSha());
                    insertRow.setString(9, model.bundle().fingerprint());
                    insertRow.addBatch();
                    written++;
                }
                insertRow.executeBatch();
                insertError.executeBatch();
                target.commit();
            } catch (SQLException | RuntimeException e) {
                target.rollback();
                throw e;
            }
            batch.clear();
        }

        /** Takes out of the batch the users written before from the same text by the same model. */
        private void skipUnchanged() throws SQLException {
            List<String> users = batch.stream()
                    .filter(p -> p.failure() == null)
                    .map(Pending::user)
                    .toList();
            if (users.isEmpty()) {
                return;
            }
            Map<String, String> done = out.fingerprints(target, model.versionTag(), users);
            String modelSha = model.bundle().fingerprint();
            for (Iterator<Pending> it = batch.iterator(); it.hasNext(); ) {
                Pending p = it.next();
                if (p.failure() == null && (p.textSha() + "/" + modelSha).equals(done.get(p.user()))) {
                    it.remove();
                    unchanged++;
                }
            }
        }

        /** The batch's embeddings; when the shared batch fails, each user is tried alone so one bad user fails alone. */
        private List<Pending> embed() {
            List<Pending> ready =
                    batch.stream().filter(p -> p.failure() == null).toList();
            List<Pending> out = new ArrayList<>(
                    batch.stream().filter(p -> p.failure() != null).toList());
            try {
                List<EmbeddingResult> results =
                        model.embed(ready.stream().map(Pending::text).toList());
                for (int i = 0; i < ready.size(); i++) {
                    out.add(ready.get(i).with(results.get(i)));
                }
            } catch (RuntimeException batchFailure) {
                for (Pending p : ready) {
                    try {
                        out.add(p.with(model.embed(List.of(p.text())).get(0)));
                    } catch (RuntimeException e) {
                        out.add(new Pending(p.user(), p.text(), p.textSha(), null, e));
                    }
                }
            }
            return out;
        }

        /**
         * A progress line: always when {@code now} (start, each committed batch, end), else at most
         * every few seconds while users are read; never the same counts twice.
         */
        void progress(boolean now) {
            long t = System.nanoTime();
            if (!now && t - lastLine < PROGRESS_EVERY_NANOS) {
                return;
            }
            String counts = users + "/" + written + "/" + unchanged + "/" + failed;
            if (counts.equals(lastCounts)) {
                return;
            }
            lastLine = t;
            lastCounts = counts;
            double seconds = Math.max(1e-9, (t - started) / 1e9);
            double rate = users / seconds;
            String eta = users == 0 || users >= total ? "" : ", ETA " + duration((total - users) / rate);
            progressOut.printf(
                    java.util.Locale.ROOT,
                    "llm4es materialize %s: %d/%d users (%.1f %%; written %d, "
                            + "unchanged %d, failed %d, truncated %d; shard %s), %.1f users/s%s%n",
                    model.versionTag(),
                    users,
                    total,
                    total == 0 ? 100.0 : 100.0 * users / total,
                    written,
                    unchanged,
                    failed,
                    truncated,
                    options.shard(),
                    rate,
                    eta);
            progressOut.flush();
        }

        MaterializeReport report() {
            return new MaterializeReport(
                    users, written, unchanged, failed, truncated, droppedEvents, model.versionTag());
        }
    }
}
