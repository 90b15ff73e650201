package io.doppel.interceptor.watch.internal;

import java.nio.file.Files;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.metatype.annotations.Designate;

import io.doppel.api.capture.Availability;
import io.doppel.api.capture.Capture;
import io.doppel.api.capture.CaptureException;
import io.doppel.api.capture.CaptureRequest;
import io.doppel.api.capture.Guarantees;
import io.doppel.api.capture.Interceptor;

/**
 * The portable, mount-free interceptor {@value #ID}: a file watcher plus periodic rescans, and a
 * block-hash delta against a persisted snapshot. Runs wherever Java NIO does.
 */
@Component(service = Interceptor.class, configurationPid = WatchInterceptor.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = WatchConfig.class)
public final class WatchInterceptor implements Interceptor {

    public static final String PID = "io.doppel.interceptor.watch";
    public static final String ID = "watch";

    static final String LIMITATIONS = "Changes are found by comparing the files with a snapshot, after a watch "
            + "event or at the periodic rescan, not as they are made: order across files is not preserved; "
            + "changes inside a block between two scans are seen only as their end state; a file changed and "
            + "changed back between scans is not seen; a change that keeps a file's size, mtime and ctime is not "
            + "seen (ctime is not available on Windows); renames are seen as delete + create (the data travels "
            + "again); hard links are replicated as separate files; FIFOs, sockets and device files, extended "
            + "attributes and ACLs are not replicated; mode and owner are replicated only where the file system "
            + "has POSIX attributes (not on Windows); changes made while the agent is down are found at the next "
            + "start by comparing with the persisted snapshot.";

    private final WatchCapture.Settings settings;

    @Activate
    public WatchInterceptor(WatchConfig config) {
        this(new WatchCapture.Settings(Math.max(1, config.rescanSeconds()) * 1000L,
                Math.clamp(config.blockSize(), 4096, 16 << 20), Math.max(0, config.settleMillis())));
    }

    WatchInterceptor(WatchCapture.Settings settings) {
        this.settings = settings;
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public Guarantees guarantees() {
        return new Guarantees(false, false, false, LIMITATIONS);
    }

    @Override
    public Availability availability() {
        return new Availability(true, "always available: needs only Java NIO file watching ("
                + System.getProperty("os.name") + ")");
    }

    @Override
    public Capture start(CaptureRequest request) throws CaptureException {
        return start(request, Emitter.Opener.NIO, Rounds.CrashPoint.NONE);
    }

    WatchCapture start(CaptureRequest request, Emitter.Opener opener, Rounds.CrashPoint crash)
            throws CaptureException {
        if (!Files.isDirectory(request.root())) {
            throw new CaptureException("the protected directory " + request.root() + " does not exist or is not a directory");
        }
        if (!Files.isReadable(request.root())) {
            throw new CaptureException("the protected directory " + request.root() + " cannot be read (permission denied)");
        }
        return new WatchCapture(request, settings, opener, crash).start();
    }
}
