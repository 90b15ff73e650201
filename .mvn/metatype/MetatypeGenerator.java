import java.io.File;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import aQute.bnd.metatype.MetatypeAnnotations;
import aQute.bnd.osgi.Analyzer;
import aQute.bnd.osgi.Jar;
import aQute.bnd.osgi.Resource;

/**
 * Writes the MetaType documents ({@code OSGI-INF/metatype/*.xml}) of a bundle's compiled classes
 * from their {@code @ObjectClassDefinition} and {@code @Designate} annotations, so MetaType (and so
 * the agent's settings commands and the console) describes every configuration. tycho-ds-plugin
 * generates only the component descriptions; this is bnd's metatype half of the same work.
 *
 * <p>Usage: {@code java MetatypeGenerator.java CLASSES_DIR} (bndlib on the class path). A directory
 * without classes, or classes without metatype annotations, produce nothing.
 */
public final class MetatypeGenerator {

    private static final String FOLDER = "OSGI-INF/metatype";

    public static void main(String[] args) throws Exception {
        File classes = new File(args[0]);
        if (!classes.isDirectory()) {
            return;
        }
        Path out = classes.toPath().resolve(FOLDER);
        try (Jar jar = new Jar(classes.getName(), classes, null); Analyzer analyzer = new Analyzer(jar)) {
            jar.getDirectory(FOLDER); // the documents are written anew from the annotations
            analyzer.setProperty("-metatypeannotations", "*");
            analyzer.addBasicPlugin(new MetatypeAnnotations());
            analyzer.analyze();
            analyzer.getWarnings().forEach(w -> System.err.println("[metatype] warning: " + w));
            // stale classes of an earlier build can clash with the current ones: say so, keep the rest
            analyzer.getErrors().forEach(e -> System.err.println("[metatype] error: " + e + " (in " + classes
                    + "; a clean build removes stale classes)"));
            Map<String, Resource> documents = jar.getDirectory(FOLDER);
            if (documents == null || documents.isEmpty()) {
                return;
            }
            Files.createDirectories(out);
            for (Map.Entry<String, Resource> e : documents.entrySet()) {
                Path target = classes.toPath().resolve(e.getKey());
                try (OutputStream os = Files.newOutputStream(target)) {
                    e.getValue().write(os);
                }
            }
        }
    }
}
