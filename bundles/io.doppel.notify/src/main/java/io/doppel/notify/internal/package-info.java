/** Doppel notifications: SNMP traps and e-mails sent from the agent's event log. */
package io.doppel.notify.internal;
