/** The agent's event log: what happened, when, how serious, to which job. */
package io.doppel.api.event;
