package io.doppel.notify.internal;

import java.lang.reflect.Proxy;
import java.util.Map;

/** A typed configuration as SCR makes it: the given properties, the annotation's defaults for the rest. */
final class Configs {

    private Configs() {
    }

    static <A> A of(Class<A> type, Map<String, ?> properties) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] { type }, (proxy, method, args) -> {
            Object value = properties.get(method.getName());
            if (value == null) {
                value = method.getDefaultValue();
            }
            if (value instanceof String s && method.getReturnType() == String[].class) {
                return new String[] { s };
            }
            if (value instanceof String s && method.getReturnType() == int.class) {
                return Integer.parseInt(s);
            }
            return value;
        }));
    }
}
