package io.llm4es.connectors.export;

import io.llm4es.udf.serialize.Event;
import io.llm4es.udf.serialize.EventSerializer;
import io.llm4es.udf.serialize.SerializerConfig;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * The full text (as exported for training, no token budget) of the first few users of a source
 * query, each under a line naming the user, its event count and the rendering, to check a
 * serializer config by eye before exporting or training.
 */
public final class TextPreview {
    private TextPreview() {}

    /** Writes up to {@code users} users; {@code rendering} null means the config's own. */
    public static int write(
            Connection conn, String sourceSql, SerializerConfig config, int users, String rendering, Appendable out)
            throws SQLException, IOException {
        EventSerializer serializer = new EventSerializer(rendering == null ? config : config.withRendering(rendering));
        int[] shown = {0};
        if (users < 1) {
            return 0;
        }
        SourceHistories.read(conn, sourceSql, serializer, "preview", (user, events) -> {
            List<Event> oldestFirst = events.oldestFirst();
            int unknown = oldestFirst.stream().mapToInt(Event::unknownCodes).sum();
            out.append("== user ")
                    .append(SourceHistories.idText(user))
                    .append(" (")
                    .append(String.valueOf(oldestFirst.size()))
                    .append(" events, rendering ")
                    .append(serializer.config().rendering())
                    .append(unknown > 0 ? ", " + unknown + " unknown codes" : "")
                    .append(") ==\n")
                    .append(serializer.text(oldestFirst))
                    .append("\n\n");
            return ++shown[0] < users;
        });
        return shown[0];
    }
}
