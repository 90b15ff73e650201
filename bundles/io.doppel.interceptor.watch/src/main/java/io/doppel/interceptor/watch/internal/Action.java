package io.doppel.interceptor.watch.internal;

/**
 * One step of a round's plan. {@code prior} is what the target holds at that name when the step
 * runs (after the plan's earlier steps), {@code null} for nothing; it is kept in the next snapshot
 * when the step cannot be done this round (file unreadable or gone), so the next round tries again.
 */
sealed interface Action {

    String path();

    /** Removes a file or symlink. */
    record Unlink(String path) implements Action {
    }

    /** Removes a name that may or may not exist on the target (after a crash), in a form that cannot fail. */
    record UnlinkIfPresent(String path, String temp) implements Action {
    }

    /** Removes an (emptied) directory. */
    record Rmdir(String path) implements Action {
    }

    record Mkdir(String path, Entry now) implements Action {
    }

    record DirAttributes(String path, Entry before, Entry now) implements Action {
    }

    /** Sends a file whole under a temporary name, then renames it over whatever {@code prior} is. */
    record NewFile(String path, Entry now, String temp, Entry prior) implements Action {
    }

    /** Sends the blocks of a file that differ from what the target has. */
    record ChangedFile(String path, Entry before, Entry now) implements Action {
    }

    /** Content unchanged (same size, times and inode); only mode, owner or times to set. */
    record FileAttributes(String path, Entry before, Entry now) implements Action {
    }

    /** Creates a symlink under a temporary name, then renames it over whatever is there. */
    record NewSymlink(String path, Entry now, String temp) implements Action {
    }

    record SymlinkOwner(String path, Entry now) implements Action {
    }

    /** Sets a directory's mtime once everything inside it is done (which changes it on the target). */
    record DirTimes(String path, Entry now) implements Action {
    }
}
