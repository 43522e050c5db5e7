package io.llm4es.udf.serialize;

/**
 * Time since the previous event, in one whole unit a reader takes in at a glance: {@code +3 days},
 * {@code +5 hours}, {@code +12 minutes}; in the compact rendering {@code +3d}, {@code +5h},
 * {@code +12m}, {@code +40s}. Dates without a time of day always count in days.
 */
final class TimeGap {
    private static final String[] UNITS = {"day", "hour", "minute", "second"};
    private static final String[] LETTERS = {"d", "h", "m", "s"};
    private static final long[] SECONDS = {86_400, 3_600, 60, 1};

    private TimeGap() {}

    static String between(Moment previous, Moment current) {
        long seconds = current.epochSecond() - previous.epochSecond();
        int unit = unit(previous, current, Math.abs(seconds));
        return (seconds < 0 ? "-" : "+") + plural(Math.abs(seconds) / SECONDS[unit], UNITS[unit]);
    }

    /** The same gap in one letter: {@code +3d}. */
    static String compact(Moment previous, Moment current) {
        long seconds = current.epochSecond() - previous.epochSecond();
        int unit = unit(previous, current, Math.abs(seconds));
        return (seconds < 0 ? "-" : "+") + Math.abs(seconds) / SECONDS[unit] + LETTERS[unit];
    }

    private static int unit(Moment previous, Moment current, long seconds) {
        if (previous.dateOnly() && current.dateOnly()) {
            return 0;
        }
        int unit = 0;
        while (unit < SECONDS.length - 1 && seconds < SECONDS[unit]) {
            unit++;
        }
        return unit;
    }

    static String plural(long n, String unit) {
        return n + " " + unit + (n == 1 ? "" : "s");
    }
}
