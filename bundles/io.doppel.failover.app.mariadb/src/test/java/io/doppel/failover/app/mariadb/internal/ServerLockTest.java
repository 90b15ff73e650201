package io.doppel.failover.app.mariadb.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading the kernel's lock table and the pid files of a copied data directory, without a server. */
class ServerLockTest {

    @TempDir
    Path data;

    @Test
    void aProcessHoldingInnodbsLockRunsOnTheDataDirectory() throws Exception {
        Path ibdata = Files.writeString(data.resolve("ibdata1"), "");
        long ino = (Long) Files.getAttribute(ibdata, "unix:ino");
        String dev = ServerLock.device((Long) Files.getAttribute(ibdata, "unix:dev"));
        Path locks = Files.write(data.resolve("locks"), List.of(
                "1: FLOCK  ADVISORY  WRITE 10 " + dev + ":" + (ino + 1) + " 0 EOF",
                "2: POSIX  ADVISORY  WRITE 4242 " + dev + ":" + ino + " 0 EOF",
                "2: -> POSIX  ADVISORY  WRITE 4343 " + dev + ":" + ino + " 0 EOF",
                "3: OFDLCK ADVISORY  WRITE -1 " + dev + ":" + ino + " 0 EOF"));
        assertEquals(OptionalLong.of(4242), new ServerLock(data, locks).running(OptionalLong.empty()));
    }

    @Test
    void aLockOnAnotherFileOrDeviceIsNotTheServers() throws Exception {
        Path ibdata = Files.writeString(data.resolve("ibdata1"), "");
        long ino = (Long) Files.getAttribute(ibdata, "unix:ino");
        Path locks = Files.write(data.resolve("locks"), List.of(
                "1: POSIX  ADVISORY  WRITE 4242 ff:7f:" + ino + " 0 EOF",
                "2: POSIX  ADVISORY  WRITE 4242 00:00:" + (ino + 7) + " 0 EOF"));
        assertTrue(new ServerLock(data, locks).running(OptionalLong.empty()).isEmpty());
    }

    @Test
    void theSourcesPidFileIsStaleEvenWhenItsPidLivesHere() throws Exception {
        long self = ProcessHandle.current().pid(); // a living process, but not working in the data directory
        Path pidFile = Files.writeString(data.resolve("primary.pid"), self + "\n");
        Path empty = Files.writeString(data.resolve("odd.pid"), "not a pid");
        ServerLock lock = new ServerLock(data, data.resolve("no-locks"));
        assertTrue(lock.running(OptionalLong.empty()).isEmpty());
        Map<Path, String> removed = lock.removeStale();
        assertEquals(Map.of(pidFile, Long.toString(self), empty, "none"), removed);
        assertFalse(Files.exists(pidFile));
    }

    @Test
    void deviceNumbersArePrintedAsTheKernelDoes() {
        assertEquals("fe:00", ServerLock.device(0xfe00L));
        assertEquals("103:02", ServerLock.device((0x103L << 8) | 0x02));
        assertEquals("00:2e", ServerLock.device(0x2eL));
    }
}
