package io.doppel.api.agent;

/**
 * An installed feature or plugin bundle.
 *
 * @param id      feature id or bundle symbolic name
 * @param version its version
 * @param state   for bundles the OSGi state ({@code ACTIVE}, …), for features {@code INSTALLED}
 */
public record ComponentInfo(String id, String version, String state) {
}
