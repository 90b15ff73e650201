package io.doppel.console.internal.dashboard;

import org.eclipse.swt.SWT;
import org.eclipse.swt.graphics.GC;
import org.eclipse.swt.graphics.Point;
import org.eclipse.swt.graphics.Rectangle;
import org.eclipse.swt.widgets.Canvas;
import org.eclipse.swt.widgets.Composite;

import io.doppel.api.job.MirrorStatus;

/** A job's mirror as a bar filled to its percentage, with phase, entries and bytes written over it. */
public final class MirrorBar extends Canvas {

    private int percent;
    private String text = Figures.mirror(null);
    private boolean failed;

    public MirrorBar(Composite parent) {
        super(parent, SWT.DOUBLE_BUFFERED);
        addPaintListener(e -> paint(e.gc));
    }

    public void show(MirrorStatus mirror) {
        int newPercent = Figures.mirrorPercent(mirror);
        String newText = Figures.mirror(mirror);
        boolean newFailed = mirror != null && mirror.error() != null;
        if (newPercent != percent || !newText.equals(text) || newFailed != failed) {
            percent = newPercent;
            text = newText;
            failed = newFailed;
            setToolTipText(text);
            redraw();
        }
    }

    /** What the bar says. */
    public String text() {
        return text;
    }

    public int percent() {
        return percent;
    }

    @Override
    public Point computeSize(int wHint, int hHint, boolean changed) {
        GC gc = new GC(this);
        try {
            Point extent = gc.textExtent(text);
            return new Point(wHint == SWT.DEFAULT ? extent.x + 12 : wHint, hHint == SWT.DEFAULT ? extent.y + 6 : hHint);
        } finally {
            gc.dispose();
        }
    }

    private void paint(GC gc) {
        Rectangle area = getClientArea();
        var display = getDisplay();
        gc.setBackground(display.getSystemColor(SWT.COLOR_LIST_BACKGROUND));
        gc.fillRectangle(0, 0, area.width, area.height);
        int filled = (area.width - 2) * percent / 100;
        gc.setBackground(gc.getDevice().getSystemColor(failed ? SWT.COLOR_RED
                : percent >= 100 ? SWT.COLOR_GREEN : SWT.COLOR_CYAN));
        gc.setAlpha(110);
        gc.fillRectangle(1, 1, filled, area.height - 2);
        gc.setAlpha(255);
        gc.setForeground(display.getSystemColor(SWT.COLOR_WIDGET_NORMAL_SHADOW));
        gc.drawRectangle(0, 0, area.width - 1, area.height - 1);
        gc.setForeground(display.getSystemColor(SWT.COLOR_LIST_FOREGROUND));
        Point extent = gc.textExtent(text);
        gc.drawText(text, 6, (area.height - extent.y) / 2, true);
    }
}
