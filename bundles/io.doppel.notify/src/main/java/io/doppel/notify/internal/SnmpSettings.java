package io.doppel.notify.internal;

import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import io.doppel.api.event.Event;
import io.doppel.api.event.Severity;
import io.doppel.notify.internal.Check.HostPort;

/**
 * The checked settings of {@link SnmpTraps}.
 *
 * @param engineId {@code null}: derived from the host name
 */
record SnmpSettings(List<HostPort> targets, Version version, String community, String user, Auth auth,
        String authPassword, String privPassword, byte[] engineId, Severity minSeverity, Set<String> jobs) {

    enum Version { V2C, V3 }

    enum Auth { SHA, SHA256 }

    /** Every setting of {@code c} checked; the exception names the one that is wrong. */
    static SnmpSettings of(SnmpConfig c) {
        Check check = new Check(SnmpTraps.PID);
        List<String> entries = Check.list(c.targets());
        if (entries.isEmpty()) {
            throw check.bad("targets", "set at least one receiver, HOST[:PORT] (port 162 if left out)");
        }
        List<HostPort> targets = entries.stream().map(t -> check.hostPort("targets", t, 162)).toList();
        Version version = switch (Check.text(c.version()).toLowerCase(Locale.ROOT)) {
            case "v2c", "2c" -> Version.V2C;
            case "v3", "3" -> Version.V3;
            default -> throw check.bad("version", "must be v2c or v3, not '" + c.version() + "'");
        };
        Severity min = check.severity("minSeverity", c.minSeverity());
        Set<String> jobs = Set.copyOf(Check.list(c.jobs()));
        if (version == Version.V2C) {
            String community = check.required("community", c.community(), "the community the receivers accept");
            return new SnmpSettings(targets, version, community, "", null, "", "", null, min, jobs);
        }
        String user = check.required("user", c.user(), "the USM user of SNMP v3");
        if (user.length() > 32) {
            throw check.bad("user", "at most 32 characters");
        }
        Auth auth = switch (Check.text(c.authProtocol()).toUpperCase(Locale.ROOT).replace("_", "-")) {
            case "SHA", "SHA1", "SHA-1" -> Auth.SHA;
            case "SHA256", "SHA-256" -> Auth.SHA256;
            default -> throw check.bad("authProtocol", "must be SHA or SHA-256, not '" + c.authProtocol() + "'");
        };
        String priv = Check.text(c.privProtocol()).toUpperCase(Locale.ROOT).replace("_", "-");
        if (!priv.equals("AES-128") && !priv.equals("AES128") && !priv.equals("AES")) {
            throw check.bad("privProtocol", "must be AES-128, not '" + c.privProtocol() + "'");
        }
        String authPassword = password(check, "authPassword", c.authPassword());
        String privPassword = password(check, "privPassword", c.privPassword());
        byte[] engineId = null;
        String hex = Check.text(c.engineId()).replaceFirst("^0[xX]", "").replace(":", "");
        if (!hex.isEmpty()) {
            try {
                engineId = HexFormat.of().parseHex(hex);
            } catch (IllegalArgumentException e) {
                throw check.bad("engineId", "'" + c.engineId() + "' is not hex digits (e.g. 0x8000c53f0164"
                        + "6f7070656c)");
            }
            if (engineId.length < 5 || engineId.length > 32) {
                throw check.bad("engineId", "must be 5-32 bytes, not " + engineId.length);
            }
        }
        return new SnmpSettings(targets, version, "", user, auth, authPassword, privPassword, engineId, min, jobs);
    }

    private static String password(Check check, String field, String value) {
        String p = value == null ? "" : value;
        if (p.length() < 8) {
            throw check.bad(field, p.isEmpty() ? "must be set for SNMP v3 (at least 8 characters)"
                    : "must have at least 8 characters (USM), not " + p.length());
        }
        return p;
    }

    /** Whether {@code e} is trapped: severe enough, and of a listed job (or none) when jobs are listed. */
    boolean wants(Event e) {
        return e.severity().compareTo(minSeverity) >= 0
                && (jobs.isEmpty() || e.job() == null || jobs.contains(e.job()));
    }

    @Override
    public String toString() {
        return "SNMP " + version.name().toLowerCase(Locale.ROOT) + " traps to " + targets;
    }
}
