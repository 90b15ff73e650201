/** Services of the agent core that other agent bundles build on. */
package io.doppel.agent;
