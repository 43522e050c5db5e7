package io.llm4es.udf.aggregate;

import io.llm4es.udf.serialize.OrderKey;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * A user's events as a plain-lines serializer needs them and no more: each event's rendered line
 * (UTF-8, all in one byte array) and its order key (a long where the key has one, else the key).
 * Lines come out as {@code OrderedEvents} hands events out: by key, ties broken by the line.
 *
 * <p>Where a history can only be cut to its newest events, the oldest ones that the token budget
 * can never keep are let go as rows arrive, in any row order. The bound: a token stands for at
 * most {@code maxTokenChars} characters, so text that fits {@code budget} tokens has at most
 * {@code budget * maxTokenChars} characters. Any kept text that holds event e holds every event
 * newer than e too, each with its line and a line break; once the events held from e on have more
 * characters than that, e is never kept, whatever rows come later, and neither is any event older
 * than e. Let-go events still count as events and as dropped ones.
 */
final class EventLines {
    private final long keepChars;
    private final long trimAt;
    private byte[] text = new byte[64];
    private int textLength;
    private int[] ends = new int[4];
    private long[] keys = new long[4];
    private OrderKey[] objectKeys; // instead of keys once one key has no long form
    private OrderKey.Kind kind;
    private int held;
    private int letGo;
    // the newest event let go: every event older than it is let go on arrival, so the held
    // events are always the newest ones of the whole history, as if it had been sorted first
    private OrderKey newestLetGoKey;
    private String newestLetGoLine;
    private long heldChars;

    /** {@code keepChars}: the most characters a kept text can have, or Long.MAX_VALUE for no bound. */
    EventLines(long keepChars) {
        this.keepChars = keepChars;
        // let go when twice the bound is held: each event is then moved O(1) times on average
        this.trimAt = keepChars >= Long.MAX_VALUE / 2 ? Long.MAX_VALUE : 2 * keepChars;
    }

    void add(OrderKey key, String line) {
        if (kind == null) {
            kind = key.kind();
        } else {
            OrderKey.requireSameKind(kind, key.kind());
        }
        if (newestLetGoKey != null) {
            int c = key.compareTo(newestLetGoKey);
            if (c < 0 || (c == 0 && line.compareTo(newestLetGoLine) < 0)) {
                letGo++;
                return;
            }
        }
        if (held == ends.length) {
            int n = held + (held >> 1) + 1;
            ends = Arrays.copyOf(ends, n);
            if (objectKeys == null) {
                keys = Arrays.copyOf(keys, n);
            } else {
                objectKeys = Arrays.copyOf(objectKeys, n);
            }
        }
        long l = objectKeys == null ? key.asLong() : OrderKey.NO_LONG;
        if (objectKeys == null && l == OrderKey.NO_LONG) {
            objectKeys = new OrderKey[ends.length];
            for (int i = 0; i < held; i++) {
                objectKeys[i] = OrderKey.ofLong(kind, keys[i]);
            }
            keys = null;
        }
        if (objectKeys == null) {
            keys[held] = l;
        } else {
            objectKeys[held] = key;
        }
        byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
        if (textLength + bytes.length > text.length) {
            text = Arrays.copyOf(text, Math.max(textLength + bytes.length, text.length + (text.length >> 1)));
        }
        System.arraycopy(bytes, 0, text, textLength, bytes.length);
        textLength += bytes.length;
        ends[held++] = textLength;
        heldChars += line.length() + 1;
        if (heldChars > trimAt) {
            letGoOfTheUnkeepable();
        }
    }

    /** Every event added, the let-go ones included. */
    int size() {
        return held + letGo;
    }

    /** The oldest events let go because no text within the budget can hold them. */
    int letGo() {
        return letGo;
    }

    /** The held events' lines, oldest first. */
    List<String> oldestFirst() {
        String[] lines = lines();
        Integer[] order = order(lines);
        List<String> out = new ArrayList<>(held);
        for (Integer i : order) {
            out.add(lines[i]);
        }
        return out;
    }

    private String[] lines() {
        String[] lines = new String[held];
        for (int i = 0, start = 0; i < held; start = ends[i++]) {
            lines[i] = new String(text, start, ends[i] - start, StandardCharsets.UTF_8);
        }
        return lines;
    }

    private Integer[] order(String[] lines) {
        Integer[] order = new Integer[held];
        for (int i = 0; i < held; i++) {
            order[i] = i;
        }
        Comparator<Integer> byKey = objectKeys == null
                ? (a, b) -> Long.compare(keys[a], keys[b])
                : (a, b) -> objectKeys[a].compareTo(objectKeys[b]);
        Arrays.sort(order, byKey.thenComparing(i -> lines[i]));
        return order;
    }

    /** Keeps the newest events up to the first whose text from there on is too long; the newest is always kept. */
    private void letGoOfTheUnkeepable() {
        String[] lines = lines();
        Integer[] order = order(lines);
        int first = held - 1;
        for (long chars = lines[order[first]].length() + 1; first > 0; first--) {
            chars += lines[order[first - 1]].length() + 1;
            if (chars - 1 > keepChars) {
                break;
            }
        }
        if (first == 0) {
            return;
        }
        // order[first - 1] and all older ones cannot be kept
        int newest = order[first - 1];
        newestLetGoKey = objectKeys == null ? OrderKey.ofLong(kind, keys[newest]) : objectKeys[newest];
        newestLetGoLine = lines[newest];
        int keep = held - first;
        byte[] newText = new byte[Math.max(64, textLength)];
        int[] newEnds = new int[keep + (keep >> 1) + 1];
        long[] newKeys = objectKeys == null ? new long[newEnds.length] : null;
        OrderKey[] newObjectKeys = objectKeys == null ? null : new OrderKey[newEnds.length];
        int length = 0;
        heldChars = 0;
        for (int j = 0; j < keep; j++) {
            int i = order[first + j];
            int start = i == 0 ? 0 : ends[i - 1];
            System.arraycopy(text, start, newText, length, ends[i] - start);
            length += ends[i] - start;
            newEnds[j] = length;
            if (newKeys != null) {
                newKeys[j] = keys[i];
            } else {
                newObjectKeys[j] = objectKeys[i];
            }
            heldChars += lines[i].length() + 1;
        }
        letGo += first;
        held = keep;
        text = newText;
        textLength = length;
        ends = newEnds;
        keys = newKeys;
        objectKeys = newObjectKeys;
    }
}
