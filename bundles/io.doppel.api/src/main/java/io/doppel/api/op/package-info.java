/** The op model: changes to a protected tree, as they are replicated. */
package io.doppel.api.op;
