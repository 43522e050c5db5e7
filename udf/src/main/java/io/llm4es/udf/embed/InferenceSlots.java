package io.llm4es.udf.embed;

import io.llm4es.udf.config.Setting;
import io.llm4es.udf.error.Llm4esException;
import io.llm4es.udf.error.SqlState;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The process-wide limit on ONNX Runtime runs in flight, over every session and connection.
 * Each concurrent run keeps its own peak of intermediate tensors in the session's CPU arena, and
 * the arena keeps what it grew to, so unbounded concurrency makes native memory grow with the
 * number of connections; queueing (fairly, in arrival order) for a slot bounds it by the slots,
 * while each run's own peak is bounded by the batch token budget. One run already uses all the
 * intra-op threads, so by default there are cores / threads slots (at least one): more runs would
 * only share the same cores.
 */
public final class InferenceSlots {
    public static final Setting CONCURRENCY =
            new Setting("llm4es.inference.concurrency", "LLM4ES_INFERENCE_CONCURRENCY");

    private static final Object LOCK = new Object();
    private static Semaphore slots;
    private static int size;
    private static final AtomicInteger IN_FLIGHT = new AtomicInteger();
    private static final AtomicInteger PEAK = new AtomicInteger();

    private InferenceSlots() {}

    /** The configured number of slots: the setting, else cores / ORT threads, at least 1. */
    public static int limit() {
        return CONCURRENCY.positiveInt(Math.max(1, Runtime.getRuntime().availableProcessors() / ModelCache.threads()));
    }

    /** Waits for a slot; the returned handle gives it back on close. */
    static Slot acquire() {
        Semaphore s = current();
        try {
            s.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Llm4esException(SqlState.SYSTEM_ERROR, "interrupted while waiting to run the model", e);
        }
        PEAK.accumulateAndGet(IN_FLIGHT.incrementAndGet(), Math::max);
        return new Slot(s);
    }

    /** The most runs that were in flight at once since the last {@link #resetPeak}. */
    public static int peak() {
        return PEAK.get();
    }

    public static void resetPeak() {
        PEAK.set(IN_FLIGHT.get());
    }

    /** The setting is read at each use; a changed value gets a new semaphore, runs holding the old one give it back there. */
    private static Semaphore current() {
        int wanted = limit();
        synchronized (LOCK) {
            if (slots == null || size != wanted) {
                slots = new Semaphore(wanted, true);
                size = wanted;
            }
            return slots;
        }
    }

    static final class Slot implements AutoCloseable {
        private final Semaphore owner;

        private Slot(Semaphore owner) {
            this.owner = owner;
        }

        @Override
        public void close() {
            IN_FLIGHT.decrementAndGet();
            owner.release();
        }
    }
}
