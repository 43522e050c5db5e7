package io.llm4es.udf.aggregate;

import io.llm4es.udf.embed.EmbeddingModel;
import io.llm4es.udf.embed.EmbeddingResult;
import io.llm4es.udf.error.Llm4esException;
import io.llm4es.udf.serialize.SerializedHistory;
import java.lang.ref.WeakReference;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Batches inference across the groups of a query. An engine asks aggregates for their results
 * one group at a time, but by then (in a hashed GROUP BY) every group of the query has been
 * filled on this thread: the first request embeds it together with up to {@link #WINDOW} other
 * waiting groups of the same model. A group that gets more rows after that (a window frame, a
 * sorted GROUP BY) is simply recomputed, so batching never changes a result.
 */
final class PendingEmbeddings {
    static final int WINDOW = 512;
    private static final ThreadLocal<ArrayDeque<WeakReference<UserHistory>>> WAITING =
            ThreadLocal.withInitial(ArrayDeque::new);

    private PendingEmbeddings() {}

    static void register(UserHistory history) {
        WAITING.get().add(new WeakReference<>(history));
    }

    static void computeWith(UserHistory first) {
        EmbeddingModel model = first.model();
        List<UserHistory> batch = new ArrayList<>();
        batch.add(first);
        for (Iterator<WeakReference<UserHistory>> it = WAITING.get().iterator(); it.hasNext(); ) {
            UserHistory h = it.next().get();
            if (h == null || h == first) {
                it.remove();
            } else if (batch.size() < WINDOW && h.model() == model && h.needsResult()) {
                batch.add(h);
                it.remove();
            }
        }
        List<UserHistory> ready = new ArrayList<>(batch.size());
        List<SerializedHistory> texts = new ArrayList<>(batch.size());
        for (UserHistory h : batch) {
            try {
                texts.add(h.serialize());
                ready.add(h);
            } catch (Llm4esException e) {
                h.complete(null, e);
            }
        }
        BatchSizes.add(texts.size());
        try {
            List<EmbeddingResult> results = model.embed(texts);
            for (int i = 0; i < ready.size(); i++) {
                ready.get(i).complete(results.get(i), null);
            }
        } catch (RuntimeException e) {
            for (UserHistory h : ready) {
                h.complete(null, e);
            }
        }
    }
}
