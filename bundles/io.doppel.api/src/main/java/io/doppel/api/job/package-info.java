/** Replication jobs: their states and how they are summarised. */
package io.doppel.api.job;
