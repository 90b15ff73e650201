package io.doppel.engine.internal.apply;

import java.lang.invoke.MethodHandle;
import java.lang.reflect.Array;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/**
 * Functions of the C library called through the foreign function API, looked up by reflection so
 * that the engine still runs on Java 21, where that API is a preview: there, and wherever the
 * lookup fails, {@link #downcall} throws and its caller goes the JDK's way instead.
 *
 * <p>Layouts are named as the fields of {@code java.lang.foreign.ValueLayout} ({@code "JAVA_INT"},
 * {@code "JAVA_LONG"}, {@code "ADDRESS"}); a handle's parameters are {@code MemorySegment}s where the
 * layout is an address. Also the segment and arena methods the callers need, by reflection too.
 */
final class Libc {

    private static final Object LINKER;
    private static final Object LOOKUP;
    private static final Class<?> LAYOUT;
    private static final Class<?> VALUE_LAYOUT;
    private static final Class<?> OPTION;
    private static final Method DESCRIPTOR;
    private static final Method FIND;
    private static final Method DOWNCALL;
    private static final Method FIRST_VARIADIC;
    /** Why nothing can be called here, or null. */
    private static final String UNAVAILABLE;

    static {
        Object linker = null;
        Object lookup = null;
        Class<?> layout = null;
        Class<?> valueLayout = null;
        Class<?> option = null;
        Method descriptor = null;
        Method find = null;
        Method downcall = null;
        Method firstVariadic = null;
        String why = null;
        try {
            if (Runtime.version().feature() < 22) {
                throw new UnsupportedOperationException("Java " + Runtime.version().feature()
                        + " has no final foreign function API (22 or later has)");
            }
            Class<?> linkerType = Class.forName("java.lang.foreign.Linker");
            option = Class.forName("java.lang.foreign.Linker$Option");
            layout = Class.forName("java.lang.foreign.MemoryLayout");
            valueLayout = Class.forName("java.lang.foreign.ValueLayout");
            Class<?> descriptorType = Class.forName("java.lang.foreign.FunctionDescriptor");
            Class<?> segmentType = Class.forName("java.lang.foreign.MemorySegment");
            Class<?> lookupType = Class.forName("java.lang.foreign.SymbolLookup");
            linker = linkerType.getMethod("nativeLinker").invoke(null);
            lookup = linkerType.getMethod("defaultLookup").invoke(linker);
            descriptor = descriptorType.getMethod("of", layout, layout.arrayType());
            find = lookupType.getMethod("find", String.class);
            downcall = linkerType.getMethod("downcallHandle", segmentType, descriptorType, option.arrayType());
            firstVariadic = option.getMethod("firstVariadicArg", int.class);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            why = reason(e);
        }
        LINKER = linker;
        LOOKUP = lookup;
        LAYOUT = layout;
        VALUE_LAYOUT = valueLayout;
        OPTION = option;
        DESCRIPTOR = descriptor;
        FIND = find;
        DOWNCALL = downcall;
        FIRST_VARIADIC = firstVariadic;
        UNAVAILABLE = why;
    }

    private Libc() {
    }

    /**
     * Throws (with the reason) unless this is Linux and file names are UTF-8, as callers that pass
     * paths as bytes need: a name's bytes are then its string's UTF-8.
     */
    static void requireLinuxWithUtf8Names() {
        if (!"Linux".equals(System.getProperty("os.name"))) {
            throw new UnsupportedOperationException("not Linux");
        }
        String jnu = System.getProperty("sun.jnu.encoding", "");
        if (!jnu.equalsIgnoreCase("UTF-8") && !jnu.equalsIgnoreCase("UTF8")) {
            throw new UnsupportedOperationException("file names are not UTF-8 here (" + jnu + ")");
        }
    }

    /** What went wrong, as a person reads it: the cause of a reflective call's failure, not its wrapper. */
    static String reason(Throwable e) {
        Throwable cause = e instanceof InvocationTargetException ite && ite.getCause() != null ? ite.getCause() : e;
        return cause instanceof UnsupportedOperationException && cause.getMessage() != null ? cause.getMessage()
                : cause.toString();
    }

    /**
     * A handle on the C function {@code name} returning {@code returns} and taking {@code params};
     * {@code firstVariadic} is the index of the first variadic parameter, or -1 if there is none.
     * Throws (with the reason) if it cannot be had here.
     */
    static MethodHandle downcall(String name, int firstVariadic, String returns, String... params)
            throws ReflectiveOperationException {
        if (UNAVAILABLE != null) {
            throw new UnsupportedOperationException(UNAVAILABLE);
        }
        Object symbol = ((java.util.Optional<?>) FIND.invoke(LOOKUP, name))
                .orElseThrow(() -> new UnsatisfiedLinkError("the C library has no " + name));
        Object layouts = Array.newInstance(LAYOUT, params.length);
        for (int i = 0; i < params.length; i++) {
            Array.set(layouts, i, layout(params[i]));
        }
        Object options = Array.newInstance(OPTION, firstVariadic < 0 ? 0 : 1);
        if (firstVariadic >= 0) {
            Array.set(options, 0, FIRST_VARIADIC.invoke(null, firstVariadic));
        }
        return (MethodHandle) DOWNCALL.invoke(LINKER, symbol, DESCRIPTOR.invoke(null, layout(returns), layouts), options);
    }

    private static Object layout(String name) throws ReflectiveOperationException {
        return VALUE_LAYOUT.getField(name).get(null);
    }

    /** A public method of a {@code java.lang.foreign} type, e.g. {@code ("Arena", "ofAuto")}. */
    static Method method(String type, String name, Class<?>... params) throws ReflectiveOperationException {
        return Class.forName("java.lang.foreign." + type).getMethod(name, params);
    }
}
