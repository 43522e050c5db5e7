package io.llm4es.udf.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llm4es.udf.error.Llm4esException;
import io.llm4es.udf.error.SqlState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SettingTest {
    private static final String PROPERTY = "llm4es.test.setting";
    // PATH is set in every environment this runs in: it shows the fallback to the variable
    private final Setting withPath = new Setting(PROPERTY, "PATH");
    private final Setting unset = new Setting(PROPERTY, "LLM4ES_TEST_SETTING_NEVER_SET");

    @AfterEach
    void clear() {
        System.clearProperty(PROPERTY);
    }

    @Test
    void propertyFirstThenEnvironmentThenDefault() {
        assertEquals(System.getenv("PATH"), withPath.value());
        System.setProperty(PROPERTY, " 7 ");
        assertEquals("7", withPath.value());
        System.setProperty(PROPERTY, "  ");
        assertEquals(System.getenv("PATH"), withPath.value(), "a blank property counts as unset");
        System.clearProperty(PROPERTY);
        assertNull(unset.value());
        assertEquals("fallback", unset.value("fallback"));
    }

    @Test
    void positiveIntegersOnly() {
        assertEquals(3, unset.positiveInt(3));
        System.setProperty(PROPERTY, "12");
        assertEquals(12, unset.positiveInt(3));
        for (String bad : new String[] {"abc", "0", "-2", "1e3", "99999999999"}) {
            System.setProperty(PROPERTY, bad);
            Llm4esException e = assertThrows(Llm4esException.class, () -> unset.positiveInt(3), bad);
            assertEquals(SqlState.INVALID_PARAMETER_VALUE, e.state());
            assertTrue(e.getMessage().contains(PROPERTY) && e.getMessage().contains(bad), e.getMessage());
        }
    }
}
