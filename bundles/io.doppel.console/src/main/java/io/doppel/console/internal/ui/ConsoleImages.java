package io.doppel.console.internal.ui;

import org.eclipse.jface.resource.ImageDescriptor;
import org.eclipse.jface.resource.LocalResourceManager;
import org.eclipse.swt.graphics.Image;
import org.eclipse.swt.widgets.Control;

import io.doppel.console.internal.model.ConnectionState;

/** The console's own icons, created for one control and disposed with it. */
final class ConsoleImages {

    private final LocalResourceManager resources;

    ConsoleImages(Control owner) {
        this.resources = new LocalResourceManager(org.eclipse.jface.resource.JFaceResources.getResources(), owner);
    }

    Image state(ConnectionState state) {
        String name = switch (state) {
            case NEW -> "state_new";
            case CONNECTING -> "state_connecting";
            case CONNECTED -> "state_connected";
            default -> "state_failed";
        };
        return resources.create(descriptor(name));
    }

    /** An icon of this bundle; {@code name@2x.png} is picked up on high-resolution screens. */
    static ImageDescriptor descriptor(String name) {
        return ImageDescriptor.createFromFile(ConsoleImages.class, "/icons/" + name + ".png");
    }
}
