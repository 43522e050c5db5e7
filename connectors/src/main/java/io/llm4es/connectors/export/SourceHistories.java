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

    /** Receives a user whose events cannot be read (e.g. a field the serializer does not know). */
    public interface FailedUser {
        void failed(Object userId, Llm4esException failure) throws IOException;
    }

    private SourceHistories() {}

    /** Every user to {@code consumer}; a bad event stops the reading with an error that names its user. */
    public static void read(
            Connection conn, String sourceSql, EventSerializer serializer, String caller, UserConsumer consumer)
            throws SQLException, IOException {
        read(conn, sourceSql, serializer, caller, consumer, null);
    }

    /**
     * As above, but a user with a bad event goes to {@code onFailure} (the rest of its rows are
     * skipped) and the reading goes on; {@code onFailure} null stops at the first one.
     */
    public static void read(
            Connection conn,
            String sourceSql,
            EventSerializer serializer,
            String caller,
            UserConsumer consumer,
            FailedUser onFailure)
            throws SQLException, IOException {
        try (Statement st = conn.createStatement()) {
            // streams on PostgreSQL (which otherwise reads the whole result into memory) when not in auto-commit
            st.setFetchSize(1000);
            read(st, sourceSql, serializer, caller, consumer, onFailure);
        }
    }

    private static void read(
            Statement st,
            String sourceSql,
            EventSerializer serializer,
            String caller,
            UserConsumer consumer,
            FailedUser onFailure)
            throws SQLException, IOException {
        try (ResultSet rs = st.executeQuery("SELECT * FROM (" + sourceSql + ") llm4es_source ORDER BY 1")) {
            if (rs.getMetaData().getColumnCount() != 3) {
                throw Llm4esException.invalid(
                        caller + ": the source query must return 3 columns " + "(user id, event JSON, order key), got "
                                + rs.getMetaData().getColumnCount());
            }
            Object user = null;
            Llm4esException failure = null;
            OrderedEvents events = new OrderedEvents();
            while (rs.next()) {
                Object id = rs.getObject(1);
                if (id == null) {
                    throw Llm4esException.invalid(caller + ": a row has a NULL user id");
                }
                if (user != null && !sameUser(user, id)) {
                    if (failure != null) {
                        onFailure.failed(user, failure);
                    } else if (!events.isEmpty() && !accept(consumer, caller, user, events)) {
                        return;
                    }
                    events.clear();
                    failure = null;
                }
                user = id;
                Object event = rs.getObject(2);
                OrderKey key = OrderKey.of(rs.getObject(3));
                if (event != null && key != null && failure == null) {
                    try {
                        events.add(key, serializer.event(UserHistory.eventText(event)));
                    } catch (Llm4esException e) {
                        failure = atUser(e, caller, id);
                        if (onFailure == null) {
                            throw failure;
                        }
                    }
                }
            }
            if (failure != null) {
                onFailure.failed(user, failure);
            } else if (user != null && !events.isEmpty()) {
                accept(consumer, caller, user, events);
            }
        }
    }

    private static boolean accept(UserConsumer consumer, String caller, Object user, OrderedEvents events)
            throws IOException {
        try {
            return consumer.accept(user, events);
        } catch (Llm4esException e) {
            throw atUser(e, caller, user);
        }
    }

    /** The failure with the user it happened at, e.g. {@code preview: user 7: field 'x' is not in the serializer}. */
    public static Llm4esException atUser(Llm4esException e, String caller, Object user) {
        String at = caller + ": user " + idText(user) + ": ";
        if (String.valueOf(e.getMessage()).startsWith(at)) {
            return e;
        }
        return new Llm4esException(e.state(), at + e.getMessage(), e);
    }

    /** The user id as the corpus writes it: numbers without trailing zeros, anything else as text. */
    public static String idText(Object user) {
        return user instanceof Number n
                ? new BigDecimal(n.toString()).stripTrailingZeros().toPlainString()
                : user.toString();
    }

    private static boolean sameUser(Object a, Object b) {
        if (a instanceof Number x && b instanceof Number y) {
            return new BigDecimal(x.toString()).compareTo(new BigDecimal(y.toString())) == 0;
        }
        return a.equals(b);
    }
}
