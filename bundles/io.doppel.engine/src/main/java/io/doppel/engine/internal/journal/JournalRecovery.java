package io.doppel.engine.internal.journal;

/**
 * What opening a journal found.
 *
 * @param records       valid records kept
 * @param tornTailBytes bytes cut from the end of the last segment (a record cut short by a crash)
 * @param damage        {@code null}, or what was found broken before the tail: ops after that point
 *                      are lost, and the job must resynchronise by differences
 */
public record JournalRecovery(long records, long tornTailBytes, String damage) {

    public boolean damaged() {
        return damage != null;
    }
}
