package io.doppel.api.failover.app;

/** Whether an application serves, and what was seen. */
public record Health(boolean healthy, String detail) {

    public static Health up(String detail) {
        return new Health(true, detail);
    }

    public static Health down(String detail) {
        return new Health(false, detail);
    }
}
