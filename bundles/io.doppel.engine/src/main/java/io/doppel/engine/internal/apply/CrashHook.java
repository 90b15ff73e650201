package io.doppel.engine.internal.apply;

/**
 * Test seam: called at named points between an op's effect on the image and the cursor update, so
 * a test can "kill" the applier there (by throwing an {@link Error}, which the applier never
 * catches) and check what the next open makes of it. Points: {@code <kind>:noted} after the
 * intent note of a non-idempotent op and before its effect, {@code <kind>:effect} after the
 * single system call of an op, {@code create:created} / {@code mkdir:created} /
 * {@code symlink:created} before the owner and mode are set, {@code exchange:1..3} after each of
 * the three renames of an exchange, {@code applied} after any op and before its cursor write.
 */
@FunctionalInterface
interface CrashHook {

    CrashHook NONE = point -> { };

    void reached(String point);
}
