/** The interceptor SPI: how changes under a protected directory become ops. */
package io.doppel.api.capture;
