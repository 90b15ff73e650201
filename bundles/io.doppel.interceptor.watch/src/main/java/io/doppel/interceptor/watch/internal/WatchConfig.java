package io.doppel.interceptor.watch.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration of the portable watch interceptor (PID {@value WatchInterceptor#PID}). */
@ObjectClassDefinition(name = "Doppel portable watch interceptor",
        description = "Finds changes with the operating system's file watcher and periodic rescans, and sends "
                + "only the blocks that changed.")
public @interface WatchConfig {

    @AttributeDefinition(name = "Rescan interval (s)",
            description = "A full rescan runs this often, catching what the watcher missed.", min = "1", max = "86400")
    int rescanSeconds() default 5;

    @AttributeDefinition(name = "Block size (bytes)",
            description = "Unit of the delta: a changed file sends the blocks of this size that differ. "
                    + "Changing it makes the next change of every file send it whole once.",
            min = "4096", max = "16777216")
    int blockSize() default 65536;

    @AttributeDefinition(name = "Settle time (ms)",
            description = "After a burst of events, wait this long without events before scanning, so a file "
                    + "being written is read once it is complete.", min = "0", max = "60000")
    int settleMillis() default 200;
}
