package io.doppel.failover.internal.plan;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.doppel.api.failover.app.ApplicationException;
import io.doppel.api.failover.app.CommandRunner;

/** Runs programs for the plan and for plugins: a bounded wait, a bounded capture of what they print. */
public final class Processes implements CommandRunner {

    private static final int KEEP = 64 * 1024;

    @Override
    public Result run(List<String> command, Map<String, String> environment, Duration timeout)
            throws ApplicationException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(environment);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new ApplicationException("cannot run " + command.get(0) + ": " + e.getMessage(), e);
        }
        Tail tail = new Tail(p.getInputStream());
        Thread reader = Thread.ofPlatform().daemon().name("doppel-failover-output").start(tail);
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                reader.join(1000);
                return new Result(-1, tail.text() + "\n(killed after " + timeout.toSeconds() + " s)");
            }
            reader.join(5000); // a daemon the program left behind may hold the pipe: do not wait for it
            return new Result(p.exitValue(), tail.text());
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new ApplicationException("interrupted while " + command.get(0) + " ran");
        }
    }

    /** The last {@value #KEEP} bytes of a stream. */
    private static final class Tail implements Runnable {
        private final InputStream in;
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();

        Tail(InputStream in) {
            this.in = in;
        }

        @Override
        public void run() {
            byte[] buffer = new byte[8192];
            try (in) {
                for (int n; (n = in.read(buffer)) > 0;) {
                    synchronized (kept) {
                        kept.write(buffer, 0, n);
                        if (kept.size() > 2 * KEEP) {
                            byte[] all = kept.toByteArray();
                            kept.reset();
                            kept.write(all, all.length - KEEP, KEEP);
                        }
                    }
                }
            } catch (IOException e) {
                // the program ended or was killed: what was read is kept
            }
        }

        String text() {
            synchronized (kept) {
                byte[] all = kept.toByteArray();
                int from = Math.max(0, all.length - KEEP);
                return new String(all, from, all.length - from, StandardCharsets.UTF_8).strip();
            }
        }
    }
}
