package io.llm4es.connectors.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.llm4es.connectors.Databases;
import java.io.StringWriter;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

class CsvResultsTest {
    @Test
    void jsonArraysAndQuotingComeOutAsText() throws Exception {
        try (Connection c = Databases.open("jdbc:h2:mem:csv");
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT JSON_OBJECT('status': 'ok') AS r, ARRAY[1.5, 2.0] AS v, "
                        + "'a, \"b\"' AS t, CAST(NULL AS INT) AS n")) {
            StringWriter w = new StringWriter();
            CsvResults.write(rs, w);
            assertEquals("R,V,T,N\n\"{\"\"status\"\":\"\"ok\"\"}\",\"[1.5,2.0]\",\"a, \"\"b\"\"\",\n", w.toString());
        }
    }
}
