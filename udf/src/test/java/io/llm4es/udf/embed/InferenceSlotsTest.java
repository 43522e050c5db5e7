package io.llm4es.udf.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llm4es.udf.error.Llm4esException;
import io.llm4es.udf.error.SqlState;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class InferenceSlotsTest {
    @AfterEach
    void clearSetting() {
        System.clearProperty(InferenceSlots.CONCURRENCY.property());
    }

    @Test
    void aRunWaitsWhileEverySlotIsTaken() throws Exception {
        System.setProperty(InferenceSlots.CONCURRENCY.property(), "1");
        AtomicBoolean ran = new AtomicBoolean();
        Thread second;
        try (InferenceSlots.Slot first = InferenceSlots.acquire()) {
            second = new Thread(() -> {
                try (InferenceSlots.Slot s = InferenceSlots.acquire()) {
                    ran.set(true);
                }
            });
            second.start();
            // parked on the semaphore: the state says so, no sleeping on a guess
            while (second.getState() != Thread.State.WAITING) {
                assertTrue(second.isAlive(), "the second run went through while the only slot was taken");
                Thread.onSpinWait();
            }
            assertFalse(ran.get());
        }
        second.join();
        assertTrue(ran.get());
    }

    @Test
    void theDefaultIsCoresOverThreadsAtLeastOne() {
        int expected = Math.max(1, Runtime.getRuntime().availableProcessors() / ModelCache.threads());
        assertEquals(expected, InferenceSlots.limit());
        System.setProperty(OnnxEmbedder.THREADS.property(), "1");
        try {
            assertEquals(Runtime.getRuntime().availableProcessors(), InferenceSlots.limit());
        } finally {
            System.clearProperty(OnnxEmbedder.THREADS.property());
        }
    }

    @Test
    void aBadValueNamesTheSetting() {
        System.setProperty(InferenceSlots.CONCURRENCY.property(), "0");
        Llm4esException e = assertThrows(Llm4esException.class, InferenceSlots::acquire);
        assertEquals(SqlState.INVALID_PARAMETER_VALUE, e.state());
        assertTrue(e.getMessage().contains("llm4es.inference.concurrency"), e.getMessage());
    }
}
