package io.doppel.console.internal.dashboard;

import java.util.EnumMap;
import java.util.Map;

import org.eclipse.swt.graphics.Color;
import org.eclipse.swt.graphics.RGB;

/** The SWT colours of {@link Colours}, plus the background of the selected job. */
final class DashboardColours {

    private final Map<Colours, Color> colours = new EnumMap<>(Colours.class);
    private final Color selection = new Color(new RGB(0xdc, 0xe8, 0xf6));

    DashboardColours() {
        for (Colours c : Colours.values()) {
            if (c.rgb() != null) {
                colours.put(c, new Color(c.rgb()));
            }
        }
    }

    /** The colour, or {@code null} for the widget's own. */
    Color get(Colours which) {
        return colours.get(which);
    }

    Color selection() {
        return selection;
    }

    /** Which of {@link Colours} a widget's foreground is. */
    Colours which(Color foreground) {
        for (Map.Entry<Colours, Color> e : colours.entrySet()) {
            if (e.getValue().getRGB().equals(foreground.getRGB())) {
                return e.getKey();
            }
        }
        return Colours.PLAIN;
    }
}
