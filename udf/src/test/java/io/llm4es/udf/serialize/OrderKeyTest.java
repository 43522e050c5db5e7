package io.llm4es.udf.serialize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llm4es.udf.error.Llm4esException;
import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.time.LocalDateTime;
import org.junit.jupiter.api.Test;

class OrderKeyTest {
    @Test
    void enginesTemporalTypesCompareAsOneKind() {
        OrderKey ts = OrderKey.of(Timestamp.valueOf("2024-01-01 10:00:00"));
        OrderKey ldt = OrderKey.of(LocalDateTime.parse("2024-01-01T10:00:00"));
        OrderKey day = OrderKey.of(LocalDate.parse("2024-01-01"));
        assertEquals(0, ts.compareTo(ldt));
        assertTrue(day.compareTo(ts) < 0);
    }

    @Test
    void numbersCompareExactlyWhateverTheirJavaType() {
        assertEquals(0, OrderKey.of(2L).compareTo(OrderKey.of(new BigDecimal("2.00"))));
        assertTrue(OrderKey.of(10).compareTo(OrderKey.of(9.5d)) > 0);
    }

    @Test
    void nullIsSkippedAndMixedKindsAreRefused() {
        assertNull(OrderKey.of(null));
        assertThrows(Llm4esException.class, () -> OrderKey.of(1).compareTo(OrderKey.of("a")));
        assertThrows(Llm4esException.class, () -> OrderKey.of(new Object()));
    }
}
