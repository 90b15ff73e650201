package io.doppel.engine.internal.apply;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * How the blocks of a walk (a mirror, a verification, a restore) are digested, the same on the
 * source and on the target: SHA-256, or — what every walk uses — the tag AES-128-GCM computes over
 * the block under a key drawn at random for that walk.
 *
 * <p>Why the keyed tag: a no-change verification or checksum-all mirror digests every byte of the
 * tree on both sides, and SHA-256 runs at about 1.2 GB/s on one core here; AES-GCM, in the
 * processor's AES and carry-less multiply instructions through the JDK, at about 10 GB/s. The tag
 * is GHASH, a polynomial hash evaluated at a secret point, over the block encrypted with a fixed
 * counter stream: two different blocks of {@code n} 16-byte pieces get the same tag with
 * probability at most {@code (n + 1) / 2^128} for a key their author does not know. The key is
 * drawn from {@link SecureRandom} when the walk starts, travels only inside the walk's questions on
 * the mutually authenticated TLS connection, and is never stored; so someone who writes files on
 * either side cannot make a changed block look unchanged, which an unkeyed fast hash (rsync's
 * XXH128) would allow. The tag does not depend on the block's position, so equal content has one
 * digest wherever it lies.
 *
 * <p>The JDK refuses to encrypt twice in a row with one key and nonce ({@code GCM} guards against
 * nonce reuse, which would matter if the ciphertext were kept; here it is thrown away and only the
 * tag is used). Each block is therefore preceded by an initialisation with another nonce, which
 * costs about a microsecond.
 */
public final class BlockHash {

    /** Bytes of a key. */
    public static final int KEY_BYTES = 16;
    /** Most bytes encrypted in one call: the thread's scratch output holds this much and the tag. */
    private static final int CHUNK = 64 * 1024;
    private static final byte[] NO_KEY = new byte[0];
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final GCMParameterSpec NONCE = new GCMParameterSpec(128, new byte[12]);
    private static final GCMParameterSpec OTHER_NONCE = new GCMParameterSpec(128, filled(12, (byte) 0xff));

    /** SHA-256, unkeyed: what a question without a key asks for. */
    public static final BlockHash SHA_256 = new BlockHash(NO_KEY);

    private final byte[] key;
    private final SecretKeySpec aes;

    private BlockHash(byte[] key) {
        this.key = key;
        this.aes = key.length == 0 ? null : new SecretKeySpec(key, "AES");
    }

    /** A keyed hash with a key of its own, for one walk. */
    public static BlockHash random() {
        byte[] key = new byte[KEY_BYTES];
        RANDOM.nextBytes(key);
        return new BlockHash(key);
    }

    /**
     * The hash a question names: SHA-256 for no key, else AES-GCM under {@code key}
     * ({@value #KEY_BYTES} bytes).
     */
    public static BlockHash of(byte[] key) {
        if (key.length == 0) {
            return SHA_256;
        }
        if (key.length != KEY_BYTES) {
            throw new IllegalArgumentException("a block hash key has " + KEY_BYTES + " bytes, not " + key.length);
        }
        return new BlockHash(key.clone());
    }

    /** The key a question carries to the target (empty for SHA-256). */
    public byte[] key() {
        return key.clone();
    }

    /** Whether this is the keyed tag rather than SHA-256. */
    public boolean keyed() {
        return aes != null;
    }

    /** The digest of {@code length} bytes of {@code data} from {@code offset}, {@code digestBytes} long (≤ 16). */
    public byte[] of(byte[] data, int offset, int length, int digestBytes) {
        byte[] out = new byte[digestBytes];
        into(data, offset, length, out, 0, digestBytes);
        return out;
    }

    /**
     * The digest of every block of the channel's first {@code size} bytes, {@code digestBytes}
     * each: the size the caller just found ({@code lstat} or {@code fstat}), so that each block
     * costs one read and no read looks for the end. A block the file no longer fills (it shrank
     * since) is digested as far as it goes.
     */
    public byte[] of(FileChannel ch, long size, int blockSize, int digestBytes) throws IOException {
        return of(ch::read, size, blockSize, digestBytes);
    }

    /** Where blocks are read from: as {@link FileChannel#read(ByteBuffer, long)}, -1 at the end. */
    @FunctionalInterface
    public interface ReadAt {
        int read(ByteBuffer dst, long position) throws IOException;
    }

    /** {@link #of(FileChannel, long, int, int)}, the blocks read from {@code in}. */
    public byte[] of(ReadAt in, long size, int blockSize, int digestBytes) throws IOException {
        int blocks = (int) ((size + blockSize - 1) / blockSize);
        byte[] out = new byte[blocks * digestBytes];
        ByteBuffer buf = buffer(blockSize);
        for (int i = 0; i < blocks; i++) {
            long pos = (long) i * blockSize;
            buf.clear().limit((int) Math.min(blockSize, size - pos));
            while (buf.hasRemaining()) {
                int n = in.read(buf, pos + buf.position());
                if (n < 0) {
                    break;
                }
            }
            into(buf.array(), 0, buf.position(), out, i * digestBytes, digestBytes);
        }
        return out;
    }

    private void into(byte[] data, int offset, int length, byte[] out, int at, int digestBytes) {
        if (aes == null) {
            var md = sha256();
            md.update(data, offset, length);
            System.arraycopy(md.digest(), 0, out, at, digestBytes);
            return;
        }
        Keyed k = KEYED.get();
        try {
            k.cipher.init(Cipher.ENCRYPT_MODE, aes, OTHER_NONCE);
            k.cipher.init(Cipher.ENCRYPT_MODE, aes, NONCE);
            int done = 0;
            while (length - done > CHUNK) {
                k.cipher.update(data, offset + done, CHUNK, k.scratch, 0);
                done += CHUNK;
            }
            int n = k.cipher.doFinal(data, offset + done, length - done, k.scratch, 0);
            System.arraycopy(k.scratch, n - 16, out, at, digestBytes);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM failed on a block of " + length + " bytes: " + e, e);
        }
    }

    /** One thread's cipher and the output it throws away (a chunk and its tag). */
    private record Keyed(Cipher cipher, byte[] scratch) { }

    private static final ThreadLocal<Keyed> KEYED = ThreadLocal.withInitial(() -> {
        try {
            return new Keyed(Cipher.getInstance("AES/GCM/NoPadding"), new byte[CHUNK + 16]);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM has no AES/GCM/NoPadding", e);
        }
    });

    /** Largest block buffer kept for reuse by each thread; larger blocks get a buffer of their own. */
    private static final int KEPT = 1024 * 1024;
    private static final ThreadLocal<ByteBuffer> BUFFER = new ThreadLocal<>();

    /**
     * An empty heap buffer of {@code blockSize} bytes, this thread's own: a walk digests file after
     * file, and a new buffer for each would cost more zeroing than small files cost hashing.
     */
    private static ByteBuffer buffer(int blockSize) {
        if (blockSize > KEPT) {
            return ByteBuffer.allocate(blockSize);
        }
        ByteBuffer b = BUFFER.get();
        if (b == null || b.capacity() < blockSize) {
            b = ByteBuffer.allocate(Math.max(blockSize, 64 * 1024));
            BUFFER.set(b);
        }
        return b.clear().limit(blockSize);
    }

    /**
     * This thread's SHA-256, reset: looking one up costs a provider search and an algorithm
     * constraints check, per file. Every caller finishes its digest ({@code digest()}) before it
     * returns, so no two uses on one thread overlap. Also the extended-attribute digest's.
     */
    static java.security.MessageDigest sha256() {
        java.security.MessageDigest md = SHA256.get();
        md.reset();
        return md;
    }

    private static final ThreadLocal<java.security.MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    });

    private static byte[] filled(int n, byte b) {
        byte[] a = new byte[n];
        Arrays.fill(a, b);
        return a;
    }

    @Override
    public String toString() {
        return aes == null ? "SHA-256" : "AES-128-GCM tag under a walk's key";
    }
}
