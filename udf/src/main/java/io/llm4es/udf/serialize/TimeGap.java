package io.llm4es.udf.serialize;

/**
 * Time since the previous event, in one whole unit a reader takes in at a glance: {@code +3 days},
 * {@code +5 hours}, {@code +12 minutes}. Dates without a time of day always count in days.
 */
final class TimeGap {
    private TimeGap() {}

    static String between(Moment previous, Moment current) {
        long seconds = current.epochSecond() - previous.epochSecond();
        String sign = seconds < 0 ? "-" : "+";
        long s = Math.abs(seconds);
        if (previous.dateOnly() && current.dateOnly() || s >= 86_400) {
            return sign + plural(s / 86_400, "day");
        }
        if (s >= 3_600) {
            return sign + plural(s / 3_600, "hour");
        }
        if (s >= 60) {
            return sign + plural(s / 60, "minute");
        }
        return sign + plural(s, "second");
    }

    static String plural(long n, String unit) {
        return n + " " + unit + (n == 1 ? "" : "s");
    }
}
