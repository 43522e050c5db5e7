package io.llm4es.sql;

import io.llm4es.udf.aggregate.TruncationLog;
import io.llm4es.udf.embed.ModelResolver;
import java.sql.SQLWarning;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One execution of one statement on a connection from {@code Llm4esH2.open}, {@code Llm4esDuckDB.open} (or a driver built
 * on {@link SqlStateProxy}): the model resolver its functions use, so that every reference
 * resolves once per statement, and the truncations its results suffered, which become the
 * statement's JDBC warning (SQLSTATE 01004). Bindings that run functions on the caller's thread
 * find the scope through {@link #current()}; DuckDB's worker threads find it through their
 * connection (see the DuckDB binding).
 */
public final class StatementScope {
    /** SQLSTATE of the truncation warning: string data, right truncation. */
    public static final String TRUNCATION_STATE = "01004";

    private static final ThreadLocal<StatementScope> CURRENT = new ThreadLocal<>();

    private final ModelResolver resolver;
    private final Map<String, TruncationLog.Entry> truncations = new LinkedHashMap<>();

    /** {@code resolver} null: the binding's own resolution (H2's per-statement registry resolver). */
    public StatementScope(ModelResolver resolver) {
        this.resolver = resolver;
    }

    /** The scope of the statement whose method runs on this thread now, or null. */
    public static StatementScope current() {
        return CURRENT.get();
    }

    static StatementScope enter(StatementScope scope) {
        StatementScope previous = CURRENT.get();
        CURRENT.set(scope);
        return previous;
    }

    static void leave(StatementScope previous) {
        if (previous == null) {
            CURRENT.remove();
        } else {
            CURRENT.set(previous);
        }
    }

    /** This statement's resolver; null where the binding resolves by itself. */
    public ModelResolver resolver() {
        return resolver;
    }

    /** Adds truncations of this statement's results (from any thread). */
    public void addTruncations(List<TruncationLog.Entry> entries) {
        if (entries.isEmpty()) {
            return;
        }
        synchronized (truncations) {
            for (TruncationLog.Entry e : entries) {
                // per variant: a user counts once however many of the statement's aggregates embed it
                truncations.merge(e.modelVersion(), e, TruncationLog.Entry::union);
            }
        }
    }

    /** One warning per model whose results were truncated, chained; null when none was. */
    public SQLWarning warning() {
        SQLWarning first = null;
        synchronized (truncations) {
            for (TruncationLog.Entry e : truncations.values()) {
                SQLWarning w = new SQLWarning(
                        "llm4es: model " + e.modelVersion() + " truncated the histories of "
                                + e.users() + " user(s) to its token budget, dropping " + e.droppedEvents()
                                + " oldest event(s) in all; user_embedding_result shows which (status 'truncated')",
                        TRUNCATION_STATE);
                if (first == null) {
                    first = w;
                } else {
                    first.setNextWarning(w);
                }
            }
        }
        return first;
    }
}
