package io.doppel.interceptor.linux.fuse.internal;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import io.doppel.api.op.RelPath;

/**
 * The kernel's view of the tree: the nodes it holds (each with an {@code O_PATH} descriptor of the
 * backing file, so that every call resolves relative to a descriptor and never by prefixing a
 * path) and the names it knows them by, which give the paths of the ops.
 *
 * <p>One node per backing inode, so hard links share a node. Names are kept as ISO-8859-1 strings,
 * a lossless image of the bytes the kernel sent; {@link #path} turns them into UTF-8.
 */
final class Nodes {

    /** A name in a directory. */
    record Dentry(long parent, String name) {
    }

    private record Inode(long dev, long ino) {
    }

    static final class Node {
        final long id;
        final int fd;
        final long dev;
        final long ino;
        final boolean dir;
        /** A FIFO, socket or device: created on the source, never replicated. */
        final boolean special;
        long lookups;
        /** When the kernel last named it (nanoTime): the coldest nodes are the first it is asked to drop. */
        volatile long used = System.nanoTime();
        final List<Dentry> names = new ArrayList<>(1);

        Node(long id, int fd, long dev, long ino, int type) {
            this.id = id;
            this.fd = fd;
            this.dev = dev;
            this.ino = ino;
            this.dir = type == Native.S_IFDIR;
            this.special = type != Native.S_IFDIR && type != Native.S_IFREG && type != Native.S_IFLNK;
        }
    }

    static final long ROOT = 1;

    /** Nodes held by every session of this agent, each with a descriptor. */
    private static final AtomicLong HELD = new AtomicLong();

    private final Map<Long, Node> byId = new ConcurrentHashMap<>();
    private final Map<Inode, Node> byInode = new HashMap<>();
    private final Map<Dentry, Node> children = new HashMap<>();
    private final AtomicLong ids = new AtomicLong(ROOT);
    private final Node root;
    private volatile long budget = Long.MAX_VALUE;
    private volatile Runnable overBudget = () -> { };

    Nodes(int rootFd, Stat rootStat) {
        root = new Node(ROOT, rootFd, rootStat.dev(), rootStat.ino(), Native.S_IFDIR);
        root.lookups = 1;
        byId.put(ROOT, root);
        byInode.put(new Inode(rootStat.dev(), rootStat.ino()), root);
    }

    Node root() {
        return root;
    }

    /** The node the kernel calls {@code id}, or {@code null} if it forgot it (a kernel bug). */
    Node get(long id) {
        Node n = byId.get(id);
        if (n != null) {
            n.used = System.nanoTime();
        }
        return n;
    }

    /** Runs {@code action} (quickly) whenever a new node makes all sessions hold more than {@code max}. */
    void whenMoreThan(long max, Runnable action) {
        this.overBudget = action;
        this.budget = max;
    }

    /** Nodes (and so descriptors) held by every session of this agent. */
    static long held() {
        return HELD.get();
    }

    /**
     * The names of the {@code count} nodes the kernel named least recently (never the root), as
     * {@code (parent, name)}: the ones to ask the kernel to forget when descriptors run short.
     */
    synchronized List<Dentry> coldest(int count) {
        List<Node> all = new ArrayList<>(byId.values());
        all.remove(root);
        all.sort(java.util.Comparator.comparingLong(n -> n.used));
        List<Dentry> names = new ArrayList<>();
        for (int i = 0; i < Math.min(count, all.size()); i++) {
            names.addAll(all.get(i).names);
        }
        return names;
    }

    /**
     * Records that the kernel now knows {@code name} in {@code parent} as the file {@code fd} refers
     * to, counting one lookup; closes {@code fd} if the node already has one.
     */
    synchronized Node found(Node parent, String name, int fd, Stat st) {
        Node node = byInode.get(new Inode(st.dev(), st.ino()));
        if (node == null) {
            node = new Node(ids.incrementAndGet(), fd, st.dev(), st.ino(), st.type());
            if (HELD.incrementAndGet() > budget) {
                overBudget.run();
            }
            byId.put(node.id, node);
            byInode.put(new Inode(st.dev(), st.ino()), node);
        } else {
            Native.close(fd);
        }
        node.lookups++;
        link(parent, name, node);
        return node;
    }

    /** One more lookup of a node the kernel already has (a hard link reply). */
    synchronized void linked(Node parent, String name, Node node) {
        node.lookups++;
        link(parent, name, node);
    }

    private void link(Node parent, String name, Node node) {
        Dentry d = new Dentry(parent.id, name);
        Node previous = children.put(d, node);
        if (previous != node) {
            if (previous != null) {
                previous.names.remove(d);
            }
            node.names.add(d);
        }
    }

    /**
     * Counts down a node's lookups; returns it if the kernel no longer holds it, removed from the
     * tables but with its names (for a last path) and its descriptor, which the caller closes.
     */
    synchronized Node forget(long id, long count) {
        Node node = byId.get(id);
        if (node == null || node == root) {
            return null;
        }
        node.lookups -= count;
        if (node.lookups > 0) {
            return null;
        }
        byId.remove(id);
        HELD.decrementAndGet();
        byInode.remove(new Inode(node.dev, node.ino));
        for (Dentry d : node.names) {
            children.remove(d, node);
        }
        return node;
    }

    /** The node known by {@code name} in {@code parent}, or {@code null}. */
    synchronized Node child(Node parent, String name) {
        return children.get(new Dentry(parent.id, name));
    }

    synchronized void unlinked(Node parent, String name) {
        Dentry d = new Dentry(parent.id, name);
        Node node = children.remove(d);
        if (node != null) {
            node.names.remove(d);
        }
    }

    synchronized void renamed(Node from, String fromName, Node to, String toName, boolean exchange) {
        Dentry a = new Dentry(from.id, fromName);
        Dentry b = new Dentry(to.id, toName);
        Node moved = children.remove(a);
        Node other = children.remove(b);
        if (moved != null) {
            moved.names.remove(a);
        }
        if (other != null) {
            other.names.remove(b);
        }
        if (moved != null) {
            children.put(b, moved);
            moved.names.add(b);
        }
        if (exchange && other != null) {
            children.put(a, other);
            other.names.add(a);
        }
    }

    /** The path of {@code name} in {@code parent}, or {@code null} if it has none (see {@link #path(Node)}). */
    synchronized RelPath path(Node parent, String name) {
        RelPath p = path(parent);
        return p == null ? null : join(p, name);
    }

    /**
     * The path of the (ISO-8859-1 kept) {@code name} under {@code parent}, or {@code null} if it
     * cannot be written as a relative path (not UTF-8, a backslash, too long).
     */
    static RelPath join(RelPath parent, String name) {
        String utf8 = utf8(name);
        if (utf8 == null) {
            return null;
        }
        String joined = parent.isRoot() ? utf8 : parent.value() + "/" + utf8;
        return RelPath.problemWith(joined) == null ? RelPath.of(joined) : null;
    }

    /**
     * A path of {@code node} relative to the root, or {@code null} if it has none: it was unlinked
     * (still open), or a name on its way cannot be written as a relative path (not UTF-8, a
     * backslash).
     */
    synchronized RelPath path(Node node) {
        if (node.special) {
            return null; // never replicated
        }
        if (node == root) {
            return RelPath.ROOT;
        }
        for (Dentry d : node.names) {
            Node parent = byId.get(d.parent());
            if (parent != null) {
                RelPath p = path(parent, d.name());
                if (p != null) {
                    return p;
                }
            }
        }
        return null;
    }

    synchronized int size() {
        return byId.size();
    }

    /** Closes every descriptor; for the end of a session. */
    synchronized void closeAll() {
        for (Node n : byId.values()) {
            if (n != root) {
                Native.close(n.fd);
                HELD.decrementAndGet();
            }
        }
        byId.clear();
        byInode.clear();
        children.clear();
    }

    static String utf8(String latin1) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(latin1.getBytes(StandardCharsets.ISO_8859_1))).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
