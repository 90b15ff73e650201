package io.doppel.console.internal.properties;

import java.util.List;

import org.eclipse.core.runtime.IAdapterFactory;
import org.eclipse.ui.views.properties.IPropertyDescriptor;
import org.eclipse.ui.views.properties.IPropertySource;
import org.eclipse.ui.views.properties.PropertyDescriptor;


/**
 * Adapts servers, jobs and failovers to the Properties view: read-only, grouped by category, the
 * values as {@link Properties} words them at the moment the view asks (it asks again on refresh).
 */
public final class PropertySources implements IAdapterFactory {

    @Override
    public <T> T getAdapter(Object adaptable, Class<T> adapterType) {
        if (adapterType == IPropertySource.class && !Properties.of(adaptable).isEmpty()) {
            return adapterType.cast(new Source(adaptable));
        }
        return null;
    }

    @Override
    public Class<?>[] getAdapterList() {
        return new Class<?>[] { IPropertySource.class };
    }


    private static final class Source implements IPropertySource {

        private final Object element;
        private List<Properties.Property> properties;

        Source(Object element) {
            this.element = element;
        }

        @Override
        public Object getEditableValue() {
            return null;
        }

        @Override
        public IPropertyDescriptor[] getPropertyDescriptors() {
            properties = Properties.of(element);
            IPropertyDescriptor[] descriptors = new IPropertyDescriptor[properties.size()];
            for (int i = 0; i < descriptors.length; i++) {
                Properties.Property p = properties.get(i);
                PropertyDescriptor d = new PropertyDescriptor(Integer.valueOf(i), p.name());
                d.setCategory(p.category());
                descriptors[i] = d;
            }
            return descriptors;
        }

        @Override
        public Object getPropertyValue(Object id) {
            int i = (Integer) id;
            return properties != null && i < properties.size() ? properties.get(i).value() : null;
        }

        @Override
        public boolean isPropertySet(Object id) {
            return false;
        }

        @Override
        public void resetPropertyValue(Object id) {
            // read-only
        }

        @Override
        public void setPropertyValue(Object id, Object value) {
            // read-only
        }
    }
}
