package io.doppel.failover.internal.plan;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs steps in order, each within its timeout and tried twice; when one fails for good, the steps
 * done so far (and the failed one, which may have taken part of its work) are undone in reverse.
 */
public final class Plan {

    private static final Logger LOG = LoggerFactory.getLogger(Plan.class);

    /** What happened to a step, for the event log. */
    public interface Listener {
        void started(String step);

        void done(String step, long millis);

        void failed(String step, String reason, boolean willRetry);

        void undone(String step, String problem);
    }

    /** The plan stopped at a step and was rolled back. */
    public static final class Failed extends Exception {
        private static final long serialVersionUID = 1L;
        private final String step;

        Failed(String step, String reason) {
            super(reason);
            this.step = step;
        }

        public String step() {
            return step;
        }
    }

    private final Duration timeout;
    private final Listener listener;
    private final Consumer<String> current;

    public Plan(Duration timeout, Listener listener, Consumer<String> current) {
        this.timeout = timeout;
        this.listener = listener;
        this.current = current;
    }

    /** Runs the steps; on a failure, rolls back (when {@code rollback}) and throws. */
    public void run(List<Step> steps, boolean rollback) throws Failed {
        Deque<Step> done = new ArrayDeque<>();
        ExecutorService runner = Executors.newSingleThreadExecutor(
                r -> Thread.ofPlatform().daemon().name("doppel-failover-step").unstarted(r));
        try {
            for (Step step : steps) {
                current.accept(step.name());
                listener.started(step.name());
                long start = System.nanoTime();
                String failure = attempt(runner, step);
                if (failure != null && step.retry()) {
                    listener.failed(step.name(), failure, true);
                    failure = attempt(runner, step);
                }
                if (failure != null) {
                    listener.failed(step.name(), failure, false);
                    if (rollback) {
                        done.push(step);
                        undo(runner, done);
                    }
                    throw new Failed(step.name(), failure);
                }
                done.push(step);
                listener.done(step.name(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            }
        } finally {
            current.accept(null);
            runner.shutdownNow();
        }
    }

    /** Undoes steps (in the order given) after a failure or an agent stop. */
    public void undo(Deque<Step> steps) {
        ExecutorService runner = Executors.newSingleThreadExecutor(
                r -> Thread.ofPlatform().daemon().name("doppel-failover-undo").unstarted(r));
        try {
            undo(runner, steps);
        } finally {
            runner.shutdownNow();
        }
    }

    private void undo(ExecutorService runner, Deque<Step> steps) {
        while (!steps.isEmpty()) {
            Step step = steps.pop();
            current.accept("undo " + step.name());
            String problem = call(runner, () -> {
                step.undo();
                return null;
            });
            listener.undone(step.name(), problem);
        }
        current.accept(null);
    }

    private String attempt(ExecutorService runner, Step step) {
        return call(runner, () -> {
            step.run();
            return null;
        });
    }

    private String call(ExecutorService runner, java.util.concurrent.Callable<Void> body) {
        Future<Void> f = runner.submit(body);
        try {
            f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return null;
        } catch (TimeoutException e) {
            f.cancel(true);
            return "did not finish within " + timeout.toSeconds() + " s";
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException) {
                LOG.warn("Failover step failed unexpectedly", cause);
            }
            return cause.getMessage() != null ? cause.getMessage() : cause.toString();
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }
}
