package io.llm4es.udf.serialize;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A user's rendered event lines with their order keys, handed out oldest first. Ties on the key
 * are broken by the line itself, so the text never depends on the order rows arrive in.
 */
public final class EventLines {
    private record Entry(OrderKey key, String line) {
    }

    private static final Comparator<Entry> OLDEST_FIRST =
            Comparator.comparing(Entry::key).thenComparing(Entry::line);

    private final List<Entry> entries = new ArrayList<>();
    private boolean sorted = true;

    public void add(OrderKey key, String line) {
        Entry entry = new Entry(key, line);
        if (!entries.isEmpty() && OLDEST_FIRST.compare(entries.get(entries.size() - 1), entry) > 0) {
            sorted = false;
        }
        entries.add(entry);
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

    public List<String> oldestFirst() {
        if (!sorted) {
            entries.sort(OLDEST_FIRST);
            sorted = true;
        }
        List<String> lines = new ArrayList<>(entries.size());
        for (Entry e : entries) {
            lines.add(e.line());
        }
        return lines;
    }
}
