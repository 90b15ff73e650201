package io.doppel.api.failover.app;

/** Whether a plugin can run here, and if not, the reason and what would fix it. */
public record Availability(boolean available, String reason) {

    public static Availability yes() {
        return new Availability(true, "available");
    }

    public static Availability no(String reason) {
        return new Availability(false, reason);
    }
}
