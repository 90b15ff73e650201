package io.doppel.agent;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Contributes metrics to the agent's optional HTTP endpoint ({@code GET /metrics}, Prometheus text
 * format 0.0.4), as an OSGi service (whiteboard). Each source owns its metric families (names
 * starting with {@code doppel_}) and writes them whole: {@code # HELP}, {@code # TYPE}, samples.
 */
@ConsumerType
public interface MetricsSource {

    /** Appends this source's metric families, in the text exposition format, one sample per line. */
    void writeMetrics(StringBuilder out);

    /** Escapes a label value for the text format (backslash, double quote, line feed). */
    static String label(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
