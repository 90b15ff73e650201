/** What an agent says about itself. */
package io.doppel.api.agent;
