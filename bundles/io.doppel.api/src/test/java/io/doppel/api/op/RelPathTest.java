package io.doppel.api.op;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RelPathTest {

    @ParameterizedTest
    @ValueSource(strings = {"a", "a/b", "dir/file.txt", "...", "..a", "a..", ".hidden", "a b/ c", "ünï/cödé"})
    void acceptsPathsThatStayBeneathTheRoot(String value) {
        assertNull(RelPath.problemWith(value));
        assertEquals(value, RelPath.of(value).value());
    }

    @ParameterizedTest
    @ValueSource(strings = {"..", "../etc/passwd", "a/../../b", "a/..", "/etc/passwd", "/", "a//b", "a/", "./a",
            "a/./b", "a\0b", "a\\..\\b"})
    void refusesPathsThatCouldLeaveTheRoot(String value) {
        InvalidPathException e = assertThrows(InvalidPathException.class, () -> RelPath.of(value));
        assertFalse(e.getMessage().contains("\0"), "message must not carry raw control characters");
    }

    @Test
    void refusesOverlongComponentsAndPaths() {
        String longComponent = "x".repeat(RelPath.MAX_COMPONENT_BYTES + 1);
        assertThrows(InvalidPathException.class, () -> RelPath.of(longComponent));
        String okComponent = "x".repeat(RelPath.MAX_COMPONENT_BYTES);
        assertEquals(okComponent, RelPath.of(okComponent).name());

        String longPath = (okComponent + "/").repeat(16) + "end";
        assertTrue(longPath.length() > RelPath.MAX_PATH_BYTES);
        assertThrows(InvalidPathException.class, () -> RelPath.of(longPath));
    }

    @Test
    void countsLengthInUtf8Bytes() {
        // 128 two-byte characters are 256 bytes: one too many for a component.
        assertThrows(InvalidPathException.class, () -> RelPath.of("é".repeat(128)));
        RelPath.of("é".repeat(127));
    }

    @Test
    void navigatesComponents() {
        RelPath p = RelPath.of("a/b/c");
        assertEquals(List.of("a", "b", "c"), p.components());
        assertEquals("c", p.name());
        assertEquals(RelPath.of("a/b"), p.parent());
        assertEquals(RelPath.ROOT, RelPath.of("a").parent());
        assertEquals(RelPath.of("a/b/c/d"), p.resolve("d"));
        assertThrows(InvalidPathException.class, () -> p.resolve(".."));
        assertTrue(RelPath.of("a/b").contains(p));
        assertFalse(RelPath.of("a/bc").contains(p));
        assertTrue(RelPath.ROOT.contains(p));
        assertTrue(RelPath.ROOT.isRoot());
    }

    @Test
    void escapesControlCharactersInMessages() {
        InvalidPathException e = assertThrows(InvalidPathException.class, () -> RelPath.of("a\0\n/.."));
        assertTrue(e.getMessage().contains("\\x00\\x0a"), e.getMessage());
    }
}
