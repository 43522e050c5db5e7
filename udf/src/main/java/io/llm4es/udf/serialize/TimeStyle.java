package io.llm4es.udf.serialize;

/**
 * How a time field reads beyond its format: the weekday after the date, and a column with the
 * time since the previous event (see {@link TimeGap}).
 */
public record TimeStyle(boolean weekday, boolean sincePrevious) {
    static final TimeStyle PLAIN = new TimeStyle(false, false);

    public boolean plain() {
        return !weekday && !sincePrevious;
    }
}
