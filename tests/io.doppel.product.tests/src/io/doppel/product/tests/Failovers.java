package io.doppel.product.tests;

import static io.doppel.testing.Await.awaitCondition;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.doppel.testing.AgentProcess;
import io.doppel.testing.Cli;
import io.doppel.testing.Cli.Result;
import io.doppel.testing.NetNs;

/** What the failover tests do through the CLI of agents on test hosts: pair, watch states, read events. */
final class Failovers {

    private final NetNs ns;
    private final Duration wait;

    Failovers(NetNs ns, Duration wait) {
        this.ns = ns;
        this.wait = wait;
    }

    /** The source on host a and the target on host b trust each other. */
    void pair(AgentProcess source, AgentProcess target) {
        String[] t = ok("b", target, "identity").stdout().strip().split(" ");
        String[] s = ok("a", source, "identity").stdout().strip().split(" ");
        ok("a", source, "peer", "trust", t[0], t[1]);
        ok("b", target, "peer", "trust", s[0], s[1]);
    }

    /** Waits until the target's failover {@code name} is in {@code state}; returns its status. */
    JsonObject awaitState(AgentProcess target, String name, String state) {
        JsonObject[] last = new JsonObject[1];
        try {
            awaitCondition(wait, () -> {
                Result r = Cli.in(ns.in("b"), target, "--json", "failover", "status", name);
                if (r.exitCode() != 0) {
                    return false;
                }
                last[0] = JsonParser.parseString(r.stdout()).getAsJsonObject();
                return state.equals(last[0].get("state").getAsString());
            }, "failover to be " + state);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; last status: " + last[0], e);
        }
        return last[0];
    }

    /** The codes of the target's events for failover {@code name}, oldest first. */
    List<String> codes(AgentProcess target, String name) {
        return events(target, name).stream().map(e -> e.substring(0, e.indexOf(':'))).toList();
    }

    /** The target's events for failover {@code name} as {@code code: message}, oldest first. */
    List<String> events(AgentProcess target, String name) {
        Result events = ok("b", target, "--json", "events", "--job", name, "--limit", "1000");
        JsonArray array = JsonParser.parseString(events.stdout()).getAsJsonArray();
        List<String> out = new ArrayList<>();
        array.forEach(e -> out.add(e.getAsJsonObject().get("code").getAsString() + ": "
                + e.getAsJsonObject().get("message").getAsString()));
        return out;
    }

    /**
     * What the target says about failover {@code name} when a wait fails: its status and events, so a
     * failure in CI explains itself.
     */
    String explain(AgentProcess target, String name) {
        StringBuilder b = new StringBuilder("\ntarget's failover status: ");
        b.append(Cli.in(ns.in("b"), target, "--json", "failover", "status", name).stdout().strip());
        b.append("\ntarget's events:");
        try {
            events(target, name).forEach(e -> b.append("\n  ").append(e));
        } catch (AssertionError | RuntimeException e) {
            b.append(" (cannot be read: ").append(e.getMessage()).append(')');
        }
        return b.toString();
    }

    /** Runs {@code wait}; when it fails, the failure carries {@link #explain} and {@code more}. */
    void explained(AgentProcess target, String name, Runnable wait, java.util.function.Supplier<String> more) {
        try {
            wait.run();
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + explain(target, name) + more.get(), e);
        }
    }

    /**
     * Asynchronous replication of {@code job} falls behind: its bandwidth is squeezed to 2 KB/s and
     * 300 KB of new data is written into {@code data}; returns once the source journaled beyond
     * what the target acknowledged and the target's failover {@code job} heard that head.
     */
    void fallBehind(AgentProcess source, AgentProcess target, String job, java.nio.file.Path data)
            throws java.io.IOException {
        ok("a", source, "job", "limit", job, "2KB/s");
        byte[] big = new byte[300_000];
        new java.util.Random(7).nextBytes(big);
        java.nio.file.Files.write(data.resolve("big.bin"), big);
        awaitCondition(wait, () -> {
            JsonObject status = JsonParser.parseString(ok("a", source, "--json", "job", "list").stdout())
                    .getAsJsonArray().get(0).getAsJsonObject();
            long head = status.get("lastSeq").getAsLong();
            JsonObject heard = JsonParser.parseString(ok("b", target, "--json", "failover", "status", job).stdout())
                    .getAsJsonObject();
            return head > status.get("ackedSeq").getAsLong() && heard.get("sourceHead").getAsLong() >= head;
        }, "the source to fall behind and the target to hear its journal's head");
    }

    /**
     * The test needs test hosts (network namespaces) and what {@code missing} names (null if nothing
     * is missing): skipped where they cannot be had, failed in CI (env {@code CI}), which must run it.
     */
    static void requireHosts(String missing) {
        String why = NetNs.unavailable();
        if (why == null) {
            why = missing;
        }
        if (System.getenv("CI") == null) {
            org.junit.jupiter.api.Assumptions.assumeTrue(why == null, why);
        } else if (why != null) {
            throw new AssertionError("CI must run this test, but " + why);
        }
    }

    /** Runs the CLI on {@code host} against {@code agent}, whatever its outcome (for failure messages). */
    Result run(String host, AgentProcess agent, String... args) {
        return Cli.in(ns.in(host), agent, args);
    }

    /** Runs the CLI on {@code host} against {@code agent}; it must succeed. */
    Result ok(String host, AgentProcess agent, String... args) {
        return Cli.ok(Cli.in(ns.in(host), agent, args));
    }

    static List<String> command(List<String> wrapper, String... args) {
        List<String> all = new ArrayList<>(wrapper);
        all.addAll(List.of(args));
        return all;
    }
}
