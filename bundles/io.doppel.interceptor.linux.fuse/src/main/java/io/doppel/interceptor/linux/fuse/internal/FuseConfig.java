package io.doppel.interceptor.linux.fuse.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration of the Linux FUSE interceptor (PID {@value FuseInterceptor#PID}). */
@ObjectClassDefinition(name = "Doppel Linux FUSE interceptor",
        description = "Mounts a pass-through file system over the protected directory and sees every change "
                + "as the application makes it.")
public @interface FuseConfig {

    @AttributeDefinition(name = "Worker threads",
            description = "Threads that serve the kernel's requests; reads and lookups run in parallel, changes "
                    + "are put in order.", min = "1", max = "64")
    int threads() default 4;

    @AttributeDefinition(name = "Kernel cache (s)",
            description = "How long the kernel may cache names and attributes. Every change goes through the "
                    + "mount, so the cache stays right; 0 asks the daemon every time (slower).",
            min = "0", max = "3600")
    int cacheSeconds() default 10;

    @AttributeDefinition(name = "Synchronous wait (s)",
            description = "In a synchronous job, how long an application's change waits for the target to apply "
                    + "it before the call fails with EIO.", min = "1", max = "3600")
    int syncTimeoutSeconds() default 30;
}
