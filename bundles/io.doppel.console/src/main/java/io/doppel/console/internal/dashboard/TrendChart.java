package io.doppel.console.internal.dashboard;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongFunction;
import java.util.function.ToLongFunction;

import org.eclipse.swt.SWT;
import org.eclipse.swt.graphics.GC;
import org.eclipse.swt.graphics.Point;
import org.eclipse.swt.graphics.Rectangle;
import org.eclipse.swt.widgets.Canvas;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Display;

import io.doppel.console.internal.model.History;

/**
 * One figure of a job over the last hour, as a line from "-60 min" to "now" with its maximum on the
 * vertical axis. Samples without a value (negative, e.g. no lag yet) break the line.
 */
public final class TrendChart extends Canvas {

    /** Height the chart asks for; its width follows the layout. */
    static final int HEIGHT_HINT = 72;

    private final String title;
    private final ToLongFunction<History.Sample> value;
    private final LongFunction<String> format;
    private List<History.Sample> samples = List.of();
    private long nowMillis;
    private int paintedPoints;

    public TrendChart(Composite parent, String title, ToLongFunction<History.Sample> value, LongFunction<String> format) {
        super(parent, SWT.DOUBLE_BUFFERED | SWT.BORDER);
        this.title = title;
        this.value = value;
        this.format = format;
        setBackground(getDisplay().getSystemColor(SWT.COLOR_LIST_BACKGROUND));
        addPaintListener(e -> paint(e.gc));
    }

    /** Shows these samples (oldest first) up to {@code nowMillis}, and repaints. */
    public void show(List<History.Sample> newSamples, long now) {
        long from = now - History.SPAN_MILLIS;
        this.samples = newSamples.stream().filter(s -> s.atMillis() >= from).toList();
        this.nowMillis = now;
        long last = samples.isEmpty() ? -1 : value.applyAsLong(samples.get(samples.size() - 1));
        setToolTipText(title + " over the last hour; now " + (last < 0 ? Figures.NONE : format.apply(last))
                + ", highest " + format.apply(max()));
        redraw();
    }

    /** Samples of the last hour given at the last {@link #show}. */
    public int sampleCount() {
        return samples.size();
    }

    /** Points of the line drawn at the last paint (samples with a value). */
    public int paintedPoints() {
        return paintedPoints;
    }

    public String title() {
        return title;
    }

    private long max() {
        long max = 0;
        for (History.Sample s : samples) {
            max = Math.max(max, value.applyAsLong(s));
        }
        return max;
    }

    @Override
    public Point computeSize(int wHint, int hHint, boolean changed) {
        return new Point(wHint == SWT.DEFAULT ? 220 : wHint, hHint == SWT.DEFAULT ? HEIGHT_HINT : hHint);
    }

    private void paint(GC gc) {
        Display display = getDisplay();
        Rectangle area = getClientArea();
        int textHeight = gc.getFontMetrics().getHeight();
        gc.setForeground(display.getSystemColor(SWT.COLOR_WIDGET_DARK_SHADOW));
        long max = max();
        String maxText = format.apply(max);
        gc.drawText(maxText, 2, 0, true);
        Point titleSize = gc.textExtent(title);
        gc.drawText(title, area.width - titleSize.x - 3, 0, true);
        gc.drawText("-60 min", 2, area.height - textHeight, true);
        Point nowSize = gc.textExtent("now");
        gc.drawText("now", area.width - nowSize.x - 3, area.height - textHeight, true);

        int left = 2;
        int right = area.width - 3;
        int top = textHeight + 1;
        int bottom = area.height - textHeight - 1;
        if (right <= left || bottom <= top) {
            paintedPoints = 0;
            return;
        }
        gc.setForeground(display.getSystemColor(SWT.COLOR_WIDGET_NORMAL_SHADOW));
        gc.drawLine(left, bottom, right, bottom);
        gc.drawLine(left, top, left, bottom);

        gc.setForeground(display.getSystemColor(SWT.COLOR_LIST_SELECTION));
        gc.setLineWidth(2);
        gc.setAntialias(SWT.ON);
        long from = nowMillis - History.SPAN_MILLIS;
        List<Integer> line = new ArrayList<>();
        int points = 0;
        for (History.Sample s : samples) {
            long v = value.applyAsLong(s);
            if (v < 0) {
                drawLine(gc, line);
                line.clear();
                continue;
            }
            int x = left + (int) ((s.atMillis() - from) * (right - left) / History.SPAN_MILLIS);
            int y = bottom - (int) (max == 0 ? 0 : v * (bottom - top) / max);
            line.add(x);
            line.add(y);
            points++;
        }
        drawLine(gc, line);
        paintedPoints = points;
    }

    private static void drawLine(GC gc, List<Integer> line) {
        if (line.size() == 2) {
            gc.drawPoint(line.get(0), line.get(1));
            gc.drawOval(line.get(0) - 1, line.get(1) - 1, 2, 2);
        } else if (line.size() > 2) {
            gc.drawPolyline(line.stream().mapToInt(Integer::intValue).toArray());
        }
    }
}
