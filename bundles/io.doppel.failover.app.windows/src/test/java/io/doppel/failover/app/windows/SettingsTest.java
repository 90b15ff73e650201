package io.doppel.failover.app.windows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.doppel.api.failover.app.ApplicationException;

class SettingsTest {

    @Test
    void aMissingOrBlankValueGivesTheDefaultAndOthersAreTrimmed() {
        Map<String, String> settings = Map.of("blank", "  ", "set", " SALES ");
        assertEquals("d", Settings.value(settings, "missing", "d"));
        assertEquals("d", Settings.value(settings, "blank", "d"));
        assertEquals("SALES", Settings.value(settings, "set", "d"));
    }

    @Test
    void aListIsSplitAtCommasWithoutBlankItems() {
        assertEquals(List.of("DB01", "O'Brien Ledger"), Settings.list(" DB01, ,O'Brien Ledger ,"));
        assertEquals(List.of(), Settings.list(null));
        assertEquals(List.of(), Settings.list(""));
    }

    @Test
    void aFolderInTheImageIsRelativeWithSlashes() throws ApplicationException {
        assertEquals("SQLData/MSSQL/DATA", Settings.folderInImage("sqlserver.paths", "SQLData\\MSSQL\\DATA", "x"));
        assertEquals("a/..b/c", Settings.folderInImage("sqlserver.paths", "a/..b/c", "x"));
    }

    @Test
    void aFolderOutsideTheImageIsRefusedWithTheSettingAndAnExample() {
        for (String path : List.of("..", "../outside", "data/../../etc", "/var/opt", "\\Windows", "C:\\Program Files",
                "C:relative", "\\\\srv\\share")) {
            ApplicationException e = assertThrows(ApplicationException.class,
                    () -> Settings.folderInImage("exchange.paths", path, "ExchangeDatabases/DB01"), path);
            assertEquals("exchange.paths: '" + path + "' is not a folder inside the image: give it relative to the "
                    + "image's root and without '..' (e.g. ExchangeDatabases/DB01)", e.getMessage());
        }
    }
}
