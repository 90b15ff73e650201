package io.doppel.api.event;

/**
 * One event of an agent's log.
 *
 * @param id         its number in the agent's log, increasing (a reader resumes after the last it saw)
 * @param timeMillis when it happened (epoch ms)
 * @param severity   how serious it is
 * @param agent      the agent's name
 * @param job        the job it concerns, or {@code null} for the agent itself
 * @param code       what kind of event, dotted (e.g. {@code job.state}, {@code mirror.done},
 *                   {@code security.refused}); the list is in docs/EVENTS.md
 * @param message    what happened, for people
 */
public record Event(long id, long timeMillis, Severity severity, String agent, String job, String code, String message) {
}
