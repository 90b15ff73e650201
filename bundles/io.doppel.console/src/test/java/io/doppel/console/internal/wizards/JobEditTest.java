package io.doppel.console.internal.wizards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import com.google.gson.JsonObject;

import io.doppel.api.job.JobDefinition;

class JobEditTest {

    private static final JobDefinition JOB = new JobDefinition("web", "/srv/web", "backup:7421", "AA:BB", null, false,
            null, null, "10MB/s", 0, List.of("- *.tmp"), 0, null, null, 0, 0);

    private static JobEdit edit(String target, boolean sync, String interceptor, String compression, String mirror,
            String interval, String memory, String disk, String rpo) {
        return new JobEdit(target, sync, interceptor, compression, mirror, interval, memory, disk, rpo);
    }

    @Test
    void theFormAsFilledChangesNothingEvenWithTheDefaultsSpelledOut() {
        JobEdit same = JobEdit.of(JOB);
        assertEquals("fast", same.compression());
        assertEquals("diff", same.mirror());
        assertNull(same.problem(JOB));
        assertNull(same.changes(JOB));
    }

    @Test
    void onlyTheChangedFieldsAreSentWithTheJobsName() {
        JsonObject args = edit(" backup:7421 ", false, "watch", "max", "diff", "0", "0", "0", "300").changes(JOB);
        assertEquals("{\"name\":\"web\",\"interceptor\":\"watch\",\"compression\":\"max\",\"rpoSeconds\":300}",
                args.toString());
        assertEquals("Interceptor, Compression, RPO", JobEdit.inWords(args));
    }

    @Test
    void goingBackToTheBestInterceptorSendsANull() {
        JobDefinition pinned = new JobEdit("backup:7421", true, "watch", "fast", "diff", "0", "0", "0", "0")
                .edited(JOB);
        JsonObject args = JobEdit.of(pinned).changes(pinned);
        assertNull(args);
        args = edit("backup:7421", true, null, "fast", "diff", "0", "0", "0", "0").changes(pinned);
        assertTrue(args.get("interceptor").isJsonNull(), args.toString());
        assertEquals(2, args.size(), args.toString());
    }

    @Test
    void everyLocalProblemNamesTheFieldAsTheAdminReadsIt() {
        assertTrue(edit("backup", false, null, "fast", "diff", "0", "0", "0", "0").problem(JOB)
                .startsWith("Target address 'backup': write HOST:PORT"));
        assertTrue(edit("backup:99999", false, null, "fast", "diff", "0", "0", "0", "0").problem(JOB)
                .startsWith("Target address 'backup:99999'"));
        assertEquals("Send every: 'soon' is not a whole number (0 or more).",
                edit("backup:7421", false, null, "fast", "diff", "soon", "0", "0", "0").problem(JOB));
        assertEquals("Queue on disk: '-1' is not a whole number (0 or more).",
                edit("backup:7421", false, null, "fast", "diff", "0", "0", "-1", "0").problem(JOB));
        assertEquals("RPO: '99999999999' is not a whole number (0 or more).",
                edit("backup:7421", false, null, "fast", "diff", "0", "0", "0", "99999999999").problem(JOB));
        // the ranges are the agent's own (JobDefinition), in the form's words
        assertEquals("Queue on disk: 8 is too small; at least 16 MiB, so that one burst of changes fits.",
                edit("backup:7421", false, null, "fast", "diff", "0", "0", "8", "0").problem(JOB));
        assertEquals("RPO: 700000 must be 0 (none) up to a week.",
                edit("backup:7421", false, null, "fast", "diff", "0", "0", "0", "700000").problem(JOB));
    }
}
