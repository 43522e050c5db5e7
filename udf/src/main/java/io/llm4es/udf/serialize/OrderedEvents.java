package io.llm4es.udf.serialize;

import io.llm4es.udf.error.Llm4esException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A user's events with their order keys, handed out oldest first. Ties on the key are broken by
 * the event's plain line, so the text never depends on the order rows arrive in.
 */
public final class OrderedEvents {
    private record Entry(OrderKey key, Event event) {}

    private static final Comparator<Entry> OLDEST_FIRST =
            Comparator.comparing(Entry::key).thenComparing(e -> e.event().line());

    private final ArrayList<Entry> entries = new ArrayList<>();
    private boolean sorted = true;

    public void add(OrderKey key, Event event) {
        Entry entry = new Entry(key, event);
        if (!entries.isEmpty() && OLDEST_FIRST.compare(entries.get(entries.size() - 1), entry) > 0) {
            sorted = false;
        }
        try {
            entries.add(entry);
        } catch (OutOfMemoryError e) {
            int held = entries.size();
            entries.clear();
            entries.trimToSize();
            throw Llm4esException.outOfMemory("holding the " + held + " events of one user", e);
        }
    }

    public int size() {
        return entries.size();
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    public void clear() {
        entries.clear();
        sorted = true;
    }

    public List<Event> oldestFirst() {
        if (!sorted) {
            entries.sort(OLDEST_FIRST);
            sorted = true;
        }
        List<Event> events = new ArrayList<>(entries.size());
        for (Entry e : entries) {
            events.add(e.event());
        }
        return events;
    }
}
