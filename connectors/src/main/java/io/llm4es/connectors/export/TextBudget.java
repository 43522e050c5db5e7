package io.llm4es.connectors.export;

import io.llm4es.udf.error.Llm4esException;
import io.llm4es.udf.error.SqlState;
import io.llm4es.udf.serialize.Event;
import io.llm4es.udf.serialize.EventSerializer;
import io.llm4es.udf.serialize.SerializedHistory;
import io.llm4es.udf.serialize.TokenEncoder;
import io.llm4es.udf.serialize.Truncation;
import java.util.List;

/**
 * The token budget a training text is cut to: a model's context less its special tokens, counted
 * by the model's tokenizer. Counts the users it leaves out (newest event alone too long), so the
 * export can say how many.
 */
public final class TextBudget {
    private final TokenEncoder encoder;
    private final int tokens;
    private long usersLeftOut;

    public TextBudget(TokenEncoder encoder, int tokens) {
        if (tokens < 1) {
            throw Llm4esException.invalid("token budget must be positive, got " + tokens);
        }
        this.encoder = encoder;
        this.tokens = tokens;
    }

    public int tokens() {
        return tokens;
    }

    public long usersLeftOut() {
        return usersLeftOut;
    }

    /** The newest whole events that fit, as the serializer cuts them at inference; null when none fits. */
    SerializedHistory fit(EventSerializer serializer, List<Event> events) {
        try {
            return serializer.serializeEvents(events, encoder, tokens);
        } catch (Llm4esException e) {
            // truncation=error refuses any over-long history, as at inference; otherwise 54000
            // means the newest event alone does not fit, and the user is left out, counted
            if (e.state() != SqlState.PROGRAM_LIMIT_EXCEEDED
                    || serializer.config().truncation() == Truncation.ERROR) {
                throw e;
            }
            usersLeftOut++;
            return null;
        }
    }
}
