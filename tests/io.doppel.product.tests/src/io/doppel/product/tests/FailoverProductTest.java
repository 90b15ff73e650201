package io.doppel.product.tests;

import static io.doppel.testing.Await.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.gson.JsonObject;

import io.doppel.testing.AgentProcess;
import io.doppel.testing.Cli;
import io.doppel.testing.Cli.Result;
import io.doppel.testing.NetNs;
import io.doppel.testing.Trees;

/**
 * Failover end to end, with real agent processes on two test hosts (network namespaces made by the
 * test): the target watches the source; an agent crash on a living host is told apart from a dead
 * host; when the host dies the target takes its service address, serves the replicated data with an
 * application started by the script plugin, and later gives everything back while the source
 * restores itself from the image and replication resumes.
 */
class FailoverProductTest {

    private static final Duration WAIT = Duration.ofSeconds(90);

    @TempDir
    Path dir;

    @Test
    void theTargetTakesOverFromADeadSourceAndGivesItBack() throws Exception {
        Failovers.requireHosts(null);
        Path data = Files.createDirectories(dir.resolve("data/site"));
        for (int i = 0; i < 20; i++) {
            Files.writeString(data.resolve("page-" + i + ".html"), "page " + i + " of the primary\n".repeat(i + 1));
        }
        Path sourceHome = dir.resolve("primary");
        Path targetHome = dir.resolve("replica");
        Path served = dir.resolve("served");
        Path hosts = dir.resolve("hosts");
        Files.writeString(hosts, "127.0.0.1\tlocalhost\n");
        // Samba's guest reads the share
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        // the target's Samba: its own configuration and directories, on a port of its own
        Path smbConf = dir.resolve("smb.conf");
        String smbConfText = sambaConfig(smbConf);
        try (NetNs ns = NetNs.create("fo")) {
            Failovers fo = new Failovers(ns, WAIT);
            String service = ns.address(10);
            Path pid = dir.resolve("http.pid");
            Path pre = script("pre.sh", "env | grep '^DOPPEL_' | sort > " + dir + "/env.$DOPPEL_PHASE\n");
            Path start = script("start.sh", "setsid python3 -m http.server --bind " + service + " 8080 --directory "
                    + "\"$DOPPEL_DATA\" >/dev/null 2>&1 </dev/null &\necho $! > " + pid + "\n");
            Path health = script("health.sh", "exec python3 -c \"import urllib.request; urllib.request.urlopen("
                    + "'http://" + service + ":8080/', timeout=2)\"\n");
            Path stop = script("stop.sh", "kill $(cat " + pid + ")\n");

            // the target runs in a host name namespace of its own (unshare --uts): it takes the source's host name
            List<String> targetHost = new ArrayList<>(ns.in("b"));
            targetHost.addAll(List.of("unshare", "--uts", "--"));
            AgentProcess target = AgentProcess.start(targetHost, Map.of("DOPPEL_AGENT_JAVA_OPTS",
                    "-Ddoppel.failover.hosts=" + hosts), targetHome, "--name", "replica", "--listen", "127.0.0.1:7420",
                    "--replication-listen", "0.0.0.0:7421");
            AgentProcess source = startSource(ns, sourceHome);
            List<AgentProcess> agents = new ArrayList<>(List.of(target, source));
            Process primaryHttp = null;
            try {
                fo.pair(source, target);
                fo.ok("a", source, "job", "create", "web", "--source", dir.resolve("data").toString(), "--target",
                        ns.address(2) + ":7421", "--interceptor", "watch");
                fo.ok("a", source, "job", "start", "web");
                Path image = targetHome.resolve("images/primary/web");
                awaitCondition(WAIT, () -> Trees.same(dir.resolve("data"), image, ".doppel-"),
                        "the first files to be replicated");

                fo.ok("b", target, "failover", "create", "web", "--source", "primary", "--address", ns.address(1),
                        "--agent-port", "7420", "--icmp", "--interval", "500", "--misses", "3", "--automatic",
                        "--ip", service + "/24@" + NetNs.DEVICE, "--host-alias", "www-primary", "--host-name", "--pre", pre.toString(),
                        "--post", pre.toString(), "--app", "script", "--set", "script.start=" + start, "--set",
                        "script.health=" + health, "--set", "script.stop=" + stop, "--app", "shares", "--set",
                        "shares.smb=site:site", "--set", "shares.smb.site.guest=yes", "--set",
                        "shares.config=" + smbConf,
                        "--set", "shares.host=" + service, "--expose-at", served.toString(), "--step-timeout", "30",
                        "--max-behind", "any", "--start"); // a site may lose its last changes: no need to ask
                fo.awaitState(target, "web", "HEALTHY");
                // before the failover, the source serves the service address; the client on host c learns its MAC
                ns.ipIn("a", "addr", "add", service + "/24", "dev", NetNs.DEVICE);
                primaryHttp = new ProcessBuilder(Failovers.command(ns.in("a"), "python3", "-m", "http.server", "--bind",
                        service, "8080", "--directory", dir.resolve("data").toString())).redirectErrorStream(true)
                        .redirectOutput(dir.resolve("primary-http.log").toFile()).start();
                String page = "http://" + service + ":8080/site/page-3.html";
                awaitCondition(WAIT, () -> get(ns, page).exitCode() == 0, "the primary to serve the service address");

                // the source agent dies on a living host: degraded, never a takeover
                source.kill();
                JsonObject degraded = fo.awaitState(target, "web", "DEGRADED");
                assertTrue(degraded.get("reason").getAsString().contains("agent is down but its host answers"),
                        degraded.toString());
                source = startSource(ns, sourceHome);
                agents.add(source);
                fo.awaitState(target, "web", "HEALTHY");
                assertFalse(fo.codes(target, "web").contains("failover.done"), "no takeover for an agent crash");

                // the source host dies (its agent killed, its network gone): the target takes over by itself
                Files.writeString(data.resolve("late.html"), "written just before the crash\n");
                awaitCondition(WAIT, () -> Trees.same(dir.resolve("data"), image, ".doppel-"),
                        "the last change to be replicated");
                // then asynchronous replication falls behind (its bandwidth squeezed): the target hears how far
                fo.fallBehind(source, target, "web", data);
                source.kill();
                long died = System.nanoTime();
                primaryHttp.destroyForcibly().waitFor();
                primaryHttp = null;
                ns.kill("a");
                String url = "http://" + service + ":8080/site/late.html";
                awaitCondition(WAIT, () -> get(ns, url).exitCode() == 0, "the service address to answer on the target");
                long answeredMillis = (System.nanoTime() - died) / 1_000_000;
                JsonObject over = fo.awaitState(target, "web", "FAILED_OVER");
                System.out.println("failover: the service address answered " + answeredMillis
                        + " ms after the source died (probes every 500 ms, lost after 3 misses)");
                assertEquals("written just before the crash\n", get(ns, url).stdout());
                // and the site is shared over SMB from the replica, at the service address
                assertEquals("written just before the crash\n", smb(ns, service, smbConf, "late.html").stdout());
                assertTrue(over.get("appliedSeq").getAsLong() > 0, over.toString());
                assertTrue(over.get("behindOps").getAsLong() > 0 && over.get("sourceHead").getAsLong()
                        == over.get("appliedSeq").getAsLong() + over.get("behindOps").getAsLong(), over.toString());
                assertTrue(fo.codes(target, "web").contains("failover.behind"), "the loss is reported");
                String env = Files.readString(dir.resolve("env.failover"));
                assertTrue(env.contains("DOPPEL_ADDRESSES=" + service) && env.contains("DOPPEL_DATA=" + served)
                        && env.contains("DOPPEL_SOURCE=primary") && env.contains("DOPPEL_TARGET=replica"), env);
                assertTrue(Files.readString(hosts).contains(service + "\twww-primary"), Files.readString(hosts));
                String ownName = Cli.ok(Cli.exec(List.of("hostname"), 30)).stdout().strip();
                assertEquals("www-primary", hostName(target), "the target goes by the source's host name");
                assertEquals(ownName, Cli.ok(Cli.exec(List.of("hostname"), 30)).stdout().strip(),
                        "only in the target's own namespace");
                assertTrue(ns.ipIn("b", "addr", "show", "dev", NetNs.DEVICE).stdout().contains(service + "/24"));
                List<String> codes = fo.codes(target, "web");
                assertTrue(codes.containsAll(List.of("failover.state", "failover.step", "failover.promoted",
                        "failover.address", "failover.application", "failover.done")), codes.toString());
                // the application writes into the replica while it serves
                Files.writeString(served.resolve("site/while-failed-over.html"), "written on the replica\n");

                // the source host comes back: its job is refused, the image is the target's now
                ns.revive("a");
                source = startSource(ns, sourceHome);
                agents.add(source);
                AgentProcess back = source;
                awaitCondition(WAIT, () -> Cli.in(ns.in("a"), back, "--json", "job", "list").stdout()
                        .contains("promoted by a failover"), "the source's job to be refused by the promoted image");

                // fail back: everything given back in reverse; the source restores itself; replication resumes
                Result failback = Cli.in(ns.in("b"), target, "failover", "failback", "web", "--wait");
                assertEquals(0, failback.exitCode(), failback.toString());
                assertFalse(ns.ipIn("b", "addr", "show", "dev", NetNs.DEVICE).stdout().contains(service + "/"),
                        "the service address is released");
                assertFalse(Files.readString(hosts).contains("www-primary"), Files.readString(hosts));
                assertEquals(Cli.ok(Cli.exec(List.of("hostname"), 30)).stdout().strip(), hostName(target),
                        "the target's own host name is given back");
                assertTrue(Files.exists(dir.resolve("env.failback")), "the scripts ran for the fail-back too");
                assertFalse(Files.exists(served.resolve("site")), "the image is no longer exposed");
                assertEquals(smbConfText, Files.readString(smbConf), "the target's Samba configuration is as it was");
                awaitCondition(WAIT, () -> ProcessHandle.allProcesses().noneMatch(p -> p.info().commandLine()
                        .orElse("").contains(smbConf.toString())), "the Samba the takeover started to be stopped");
                Result restore = Cli.in(ns.in("a"), source, "job", "restore", "web", "--checksum-all", "--wait");
                assertEquals(0, restore.exitCode(), restore.toString());
                assertFalse(Files.exists(data.resolve("big.bin")), "what never reached the replica is not kept");
                fo.ok("a", source, "job", "limit", "web", "unlimited");
                assertEquals("written on the replica\n", Files.readString(data.resolve("while-failed-over.html")));
                fo.awaitState(target, "web", "HEALTHY");
                // the normal direction again: the job replicates and the image equals the source
                Result verified = Cli.in(ns.in("a"), source, "job", "verify", "web", "--wait");
                assertEquals(0, verified.exitCode(), verified.toString());
                assertTrue(Trees.same(dir.resolve("data"), image, ".doppel-"),
                        Trees.difference(dir.resolve("data"), image, ".doppel-"));
                assertTrue(fo.codes(target, "web").contains("failover.handed-back"));
                // the image's hold is lifted by the engine, an event of the agent's rather than the failover's
                Result all = fo.ok("b", target, "events", "--limit", "1000");
                assertTrue(all.stdout().contains("failover.restored"), all.toString());
            } finally {
                for (AgentProcess a : agents) {
                    a.close();
                }
                if (primaryHttp != null) {
                    primaryHttp.destroyForcibly();
                }
                // what a failed run may leave: the replica's application and the image's bind mount
                if (Files.exists(pid)) {
                    ProcessHandle.of(Long.parseLong(Files.readString(pid).strip())).ifPresent(ProcessHandle::destroy);
                }
                new ProcessBuilder("umount", "-l", served.toString()).start().waitFor();
                for (String daemon : List.of("smbd", "samba-dcerpcd")) {
                    Path pidFile = dir.resolve("samba/pid-directory/" + daemon + ".pid");
                    if (Files.exists(pidFile)) {
                        ProcessHandle.of(Long.parseLong(Files.readString(pidFile).strip()))
                                .ifPresent(ProcessHandle::destroy);
                    }
                }
            }
        }
    }

    /** The host name the agent's processes see (its UTS namespace). */
    private static String hostName(AgentProcess agent) {
        return Cli.ok(Cli.exec(List.of("nsenter", "--target", Long.toString(agent.process().pid()), "--uts",
                "hostname"), 30)).stdout().strip();
    }

    private AgentProcess startSource(NetNs ns, Path home) {
        return AgentProcess.start(ns.in("a"), Map.of(), home, "--name", "primary", "--listen", "0.0.0.0:7420");
    }

    private Path script(String name, String body) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, "#!/bin/sh\nset -e\n" + body);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }

    private String sambaConfig(Path config) throws Exception {
        StringBuilder conf = new StringBuilder("[global]\n");
        for (String d : List.of("private dir", "lock directory", "state directory", "cache directory",
                "pid directory", "ncalrpc dir")) {
            conf.append("   ").append(d).append(" = ").append(Files.createDirectories(dir.resolve("samba")
                    .resolve(d.replace(' ', '-')))).append('\n');
        }
        conf.append("   log file = ").append(dir.resolve("samba/log.%m")).append('\n')
                .append("   server role = standalone server\n   smb ports = ").append(SMB_PORT).append('\n')
                .append("   map to guest = bad user\n   guest account = nobody\n")
                .append("   disable netbios = yes\n   load printers = no\n   printcap name = /dev/null\n");
        Files.writeString(config, conf.toString());
        return conf.toString();
    }

    /** A file of the share {@code site} at {@code host}, fetched over SMB as a guest by the client on host c. */
    private static Result smb(NetNs ns, String host, Path config, String file) {
        return ns.runIn("c", "smbclient", "-s", config.toString(), "-p", Integer.toString(SMB_PORT), "//" + host
                + "/site", "-N", "-c", "get " + file + " -");
    }

    private static final int SMB_PORT = 4450;

    private static Result get(NetNs ns, String url) {
        return ns.runIn("c", "python3", "-c", "import sys, urllib.request; sys.stdout.write(urllib.request.urlopen('" + url
                + "', timeout=2).read().decode())");
    }
}
