package io.doppel.failover.app.windows;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

import io.doppel.api.failover.app.ApplicationException;
import io.doppel.api.failover.app.CommandRunner;
import io.doppel.api.failover.app.TakeoverContext;

/**
 * Windows PowerShell scripts as programs to run, within a call's deadline.
 *
 * <p>Two layers keep values from becoming code. Inside a script every value is a single-quoted
 * literal ({@link #quote}), where PowerShell expands nothing ({@code MSSQL$SALES} stays as written).
 * The script itself travels Base64-encoded ({@code -EncodedCommand}): Java joins the arguments into
 * one Windows command line, where a double quote in a value would end the argument.
 *
 * <p>A script's output is read as lines; a script reports what it did as tagged lines
 * ({@code TAG|rest}, see {@link #tagged}) and a failure as one {@value #FAILED} line.
 */
public final class PowerShell {

    /**
     * Windows PowerShell 5.1, on every supported Windows Server (with the SmbShare module), and the
     * one the Exchange Management Shell's snap-in loads into: PowerShell 7 is not enough.
     */
    public static final String PROGRAM = "powershell.exe";

    /** What a script prints when a cmdlet fails: the rest of the line is PowerShell's message. */
    public static final String FAILED = "FAILED|";

    /** Below Windows' 32,767 characters for a whole command line. */
    private static final int MAX_ENCODED = 30_000;

    private PowerShell() {
    }

    /**
     * A single-quoted PowerShell literal of {@code value}. PowerShell also ends such a string at
     * the typographic single quotes (U+2018 to U+201B), so those are doubled like {@code '}.
     */
    public static String quote(String value) {
        StringBuilder b = new StringBuilder(value.length() + 2).append('\'');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\'' || (c >= '\u2018' && c <= '\u201B')) {
                b.append(c);
            }
            b.append(c);
        }
        return b.append('\'').toString();
    }

    /** An array literal of quoted values: {@code @('a', 'b')}. */
    public static String array(List<String> values) {
        return values.stream().map(PowerShell::quote).collect(Collectors.joining(", ", "@(", ")"));
    }

    /**
     * The command line that runs {@code body}: a cmdlet that fails stops the script
     * ({@code $ErrorActionPreference}), which prints one {@value #FAILED} line and ends with exit code 1.
     *
     * @param what   what the script does, for the message if it is too long ("stop service X")
     * @param remedy what to configure instead if it is too long ("configure fewer shares per failover")
     * @throws ApplicationException if the script does not fit on a Windows command line
     */
    public static List<String> command(String what, String body, String remedy) throws ApplicationException {
        String script = String.join("\n",
                "$ErrorActionPreference = 'Stop'",
                "$ProgressPreference = 'SilentlyContinue'",
                // the runner reads UTF-8; a process without a console has no encoding to set, which is fine
                "try { [Console]::OutputEncoding = New-Object System.Text.UTF8Encoding $false } catch { }",
                "try {",
                body.strip(),
                "} catch { '" + FAILED + "' + ($_.Exception.Message -replace '\\s+', ' '); exit 1 }");
        String encoded = Base64.getEncoder().encodeToString(script.getBytes(StandardCharsets.UTF_16LE));
        if (encoded.length() > MAX_ENCODED) {
            throw new ApplicationException("the PowerShell script to " + what + " does not fit on a Windows command "
                    + "line: " + remedy);
        }
        return List.of(PROGRAM, "-NoProfile", "-NonInteractive", "-EncodedCommand", encoded);
    }

    /**
     * Runs {@code body} (see {@link #command}) through the context's runner for at most {@code cap}
     * and never past the context's deadline (see {@link Deadline#run}).
     *
     * @throws Deadline.OutOfTime if the deadline passed before the script could start
     */
    public static CommandRunner.Result run(TakeoverContext context, Duration cap, String what, String body,
            String remedy) throws ApplicationException {
        return Deadline.run(context, cap, what, command(what, body, remedy));
    }

    /** PowerShell's message if the script printed a {@value #FAILED} line (the last one). */
    public static Optional<String> failure(CommandRunner.Result result) {
        return result.output().strip().lines().toList().reversed().stream().filter(line -> line.startsWith(FAILED))
                .map(line -> line.substring(FAILED.length()).strip()).findFirst();
    }

    /**
     * What went wrong in a script that did not end well, in a line: PowerShell's message if it
     * printed one, else the exit code and the last line it printed.
     */
    public static String error(CommandRunner.Result result) {
        List<String> lines = result.output().strip().lines().toList();
        String last = lines.isEmpty() ? "" : lines.getLast();
        if (result.exitCode() == -1) {
            return "it did not end in time" + (last.isEmpty() ? "" : " (" + last + ")");
        }
        return failure(result).orElse("exit code " + result.exitCode() + (last.isEmpty() ? "" : ": " + last));
    }

    /** The lines {@code TAG|rest} of a script's output, without the tag. */
    public static List<String> tagged(CommandRunner.Result result, String tag) {
        return result.output().lines().filter(line -> line.startsWith(tag + "|"))
                .map(line -> line.substring(tag.length() + 1).strip()).toList();
    }
}
