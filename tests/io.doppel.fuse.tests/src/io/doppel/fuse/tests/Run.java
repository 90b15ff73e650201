package io.doppel.fuse.tests;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a real program to its end (bounded), with its output. */
record Run(int exit, String output) {

    static Run of(Path dir, long timeoutSeconds, String... command) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(command));
        Path log = java.nio.file.Files.createTempFile("doppel-run", ".log");
        try {
            Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not end in " + timeoutSeconds + " s");
            }
            return new Run(p.exitValue(), java.nio.file.Files.readString(log, StandardCharsets.UTF_8));
        } finally {
            java.nio.file.Files.deleteIfExists(log);
        }
    }

    Run ok() {
        if (exit != 0) {
            throw new AssertionError("exit " + exit + ":\n" + output);
        }
        return this;
    }

    static boolean installed(String program) {
        return Path.of("/usr/bin", program).toFile().canExecute();
    }
}
