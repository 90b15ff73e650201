package io.doppel.console.internal.wizards;

import org.eclipse.swt.SWT;
import org.eclipse.swt.custom.ScrolledComposite;
import org.eclipse.swt.graphics.Point;
import org.eclipse.swt.widgets.Composite;

/**
 * A wizard page's content inside a scroller: in a small window the page scrolls instead of squeezing
 * its fields to nothing; in a large one it fills the dialog.
 */
final class Scrolling {

    private Scrolling() {
    }

    /** The composite to build the page in; the page's control is the scroller around it, its parent. */
    static Composite content(Composite parent) {
        ScrolledComposite scroller = new ScrolledComposite(parent, SWT.V_SCROLL | SWT.H_SCROLL);
        scroller.setExpandHorizontal(true);
        scroller.setExpandVertical(true);
        Composite content = new Composite(scroller, SWT.NONE);
        scroller.setContent(content);
        scroller.addListener(SWT.Resize, e -> fit(scroller, content));
        return content;
    }

    /** The content's least size at the scroller's width; re-run after the content changed. */
    static void fit(ScrolledComposite scroller, Composite content) {
        int width = Math.max(scroller.getClientArea().width, 200);
        Point wanted = content.computeSize(width, SWT.DEFAULT);
        Point least = content.computeSize(SWT.DEFAULT, SWT.DEFAULT);
        scroller.setMinSize(Math.min(least.x, Math.max(width, 400)), wanted.y);
    }
}
