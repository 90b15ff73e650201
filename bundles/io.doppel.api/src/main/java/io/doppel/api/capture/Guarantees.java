package io.doppel.api.capture;

/**
 * What an interceptor guarantees about the ops it produces.
 *
 * @param byteLevel      writes are seen with their offset and bytes as the application made them
 *                       (rather than reconstructed by comparing file contents)
 * @param totalOrder     ops of different files are produced in the order they happened
 * @param synchronous    it can hold an application's change until the target applied it
 * @param limitations    in words, what it does not see or cannot promise
 */
public record Guarantees(boolean byteLevel, boolean totalOrder, boolean synchronous, String limitations) {
}
