package io.doppel.cli.internal;

/** One CLI command. */
interface CliCommand {

    String name();

    /** One line for the command list. */
    String summary();

    /** The full help text of {@code doppel COMMAND --help}. */
    String usage();

    void run(Options options, Output out) throws CliException;
}
