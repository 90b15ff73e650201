package io.doppel.interceptor.watch.internal;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Hashes blocks with SHA-256 truncated to 128 bits. A collision would hide a change (the block
 * would not be sent), so the hash must make that practically impossible even for content chosen
 * by someone who wants a change to go unnoticed: a 32- or 64-bit checksum such as CRC32C can be
 * forged, truncated SHA-256 cannot. It costs CPU only for files whose size or times changed.
 */
final class BlockHasher {

    private final MessageDigest sha;

    BlockHasher() {
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /** Stores the hash of {@code data[0, length)} at {@code out[2 * index]} and the next slot. */
    void hash(byte[] data, int length, long[] out, int index) {
        sha.reset();
        sha.update(data, 0, length);
        ByteBuffer digest = ByteBuffer.wrap(sha.digest());
        out[2 * index] = digest.getLong();
        out[2 * index + 1] = digest.getLong();
    }

    static boolean allZero(byte[] data, int length) {
        for (int i = 0; i < length; i++) {
            if (data[i] != 0) {
                return false;
            }
        }
        return true;
    }
}
