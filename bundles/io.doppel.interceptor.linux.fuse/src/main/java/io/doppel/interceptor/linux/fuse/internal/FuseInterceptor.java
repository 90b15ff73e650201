package io.doppel.interceptor.linux.fuse.internal;

import java.nio.file.Files;
import java.nio.file.Path;

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
 * The byte-level interceptor {@value #ID}: a pass-through FUSE file system mounted over the
 * protected directory, served from {@code /dev/fuse} through the FFM API.
 */
@Component(service = Interceptor.class, configurationPid = FuseInterceptor.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = FuseConfig.class)
public final class FuseInterceptor implements Interceptor {

    public static final String PID = "io.doppel.interceptor.linux.fuse";
    public static final String ID = "linux.fuse";

    static final String LIMITATIONS = "Sees only changes made through the mount: a process that had files open "
            + "in the directory before protection started keeps writing to the hidden tree (restart such "
            + "applications after starting the job). Access through the mount is decided by the mode bits (ACLs "
            + "are replicated but not enforced by the mount). FIFOs, sockets and device files are created on the "
            + "source but not replicated; a hard link whose other name is outside the replication set is "
            + "replicated as a copy. After an agent crash the directory is remounted at the next start and the "
            + "image needs a resynchronisation.";

    private final FuseCapture.Settings settings;

    @Activate
    public FuseInterceptor(FuseConfig config) {
        this(new FuseCapture.Settings(Math.clamp(config.threads(), 1, 64), Math.clamp(config.cacheSeconds(), 0, 3600),
                Math.max(1, config.syncTimeoutSeconds()) * 1000L));
    }

    public FuseInterceptor(FuseCapture.Settings settings) {
        this.settings = settings;
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public Guarantees guarantees() {
        return new Guarantees(true, true, true, LIMITATIONS);
    }

    @Override
    public Availability availability() {
        return check();
    }

    /** Whether a FUSE mount can be made here, and if not, what would fix it. */
    public static Availability check() {
        if (!System.getProperty("os.name", "").toLowerCase().contains("linux")) {
            return Availability.no("FUSE capture runs on Linux only (this is " + System.getProperty("os.name")
                    + "); use the watch interceptor");
        }
        Path dev = Path.of("/dev/fuse");
        if (!Files.exists(dev)) {
            return Availability.no("/dev/fuse does not exist: load the fuse kernel module (modprobe fuse) or, in a "
                    + "container, pass the device in (--device /dev/fuse)");
        }
        if (!Files.isReadable(dev) || !Files.isWritable(dev)) {
            return Availability.no("/dev/fuse cannot be opened by this agent: run the agent as root");
        }
        try {
            if (Native.geteuid() != 0) {
                return Availability.no("mounting over the protected directory needs root (CAP_SYS_ADMIN): run the "
                        + "agent as root, or use the watch interceptor");
            }
        } catch (RuntimeException | LinkageError e) {
            return Availability.no("the C library cannot be called from this Java runtime (" + e
                    + "); Java 22 or later with --enable-native-access is needed");
        }
        return Availability.yes();
    }

    @Override
    public Capture start(CaptureRequest request) throws CaptureException {
        Availability a = availability();
        if (!a.available()) {
            throw new CaptureException("interceptor '" + ID + "' cannot run here: " + a.reason());
        }
        return FuseCapture.start(request, settings);
    }

    @Override
    public void recover(java.nio.file.Path root) throws CaptureException {
        FuseCapture.recover(root);
    }
}
