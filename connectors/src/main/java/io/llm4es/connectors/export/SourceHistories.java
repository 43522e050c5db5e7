package io.llm4es.connectors.export;

import io.llm4es.udf.aggregate.UserHistory;
import io.llm4es.udf.error.Llm4esException;
import io.llm4es.udf.serialize.EventSerializer;
import io.llm4es.udf.serialize.OrderKey;
import io.llm4es.udf.serialize.OrderedEvents;
import java.io.IOException;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Reads a source query (columns by position: user id, event JSON, order key) user by user,
 * the events read by a serializer, as the aggregate reads them. Rows with a NULL event or key
 * are skipped; a user left with no event is not handed out.
 */
public final class SourceHistories {
    /** Receives one user's events; returns false to stop reading. */
    public interface UserConsumer {
        boolean accept(Object userId, OrderedEvents events) throws IOException;
    }

    private SourceHistories() {
    }

    public static void read(Connection conn, String sourceSql, EventSerializer serializer, String caller, UserConsumer consumer)
            throws SQLException, IOException {
        try (Statement st = conn.createStatement()) {
            // streams on PostgreSQL (which otherwise reads the whole result into memory) when not in auto-commit
            st.setFetchSize(1000);
            read(st, sourceSql, serializer, caller, consumer);
        }
    }

    private static void read(Statement st, String sourceSql, EventSerializer serializer, String caller,
                             UserConsumer consumer) throws SQLException, IOException {
        try (ResultSet rs = st.executeQuery("SELECT * FROM (" + sourceSql + ") llm4es_source ORDER BY 1")) {
            if (rs.getMetaData().getColumnCount() != 3) {
                throw Llm4esException.invalid(caller + ": the source query must return 3 columns "
                        + "(user id, event JSON, order key), got " + rs.getMetaData().getColumnCount());
            }
            Object user = null;
            OrderedEvents events = new OrderedEvents();
            while (rs.next()) {
                Object id = rs.getObject(1);
                if (id == null) {
                    throw Llm4esException.invalid(caller + ": a row has a NULL user id");
                }
                if (user != null && !sameUser(user, id)) {
                    if (!events.isEmpty() && !consumer.accept(user, events)) {
                        return;
                    }
                    events.clear();
                }
                user = id;
                Object event = rs.getObject(2);
                OrderKey key = OrderKey.of(rs.getObject(3));
                if (event != null && key != null) {
                    events.add(key, serializer.event(UserHistory.eventText(event)));
                }
            }
            if (user != null && !events.isEmpty()) {
                consumer.accept(user, events);
            }
        }
    }

    /** The user id as the corpus writes it: numbers without trailing zeros, anything else as text. */
    public static String idText(Object user) {
        return user instanceof Number n ? new BigDecimal(n.toString()).stripTrailingZeros().toPlainString()
                : user.toString();
    }

    private static boolean sameUser(Object a, Object b) {
        if (a instanceof Number x && b instanceof Number y) {
            return new BigDecimal(x.toString()).compareTo(new BigDecimal(y.toString())) == 0;
        }
        return a.equals(b);
    }
}
