package io.doppel.engine.internal.source;

import java.util.List;
import java.util.function.ToDoubleFunction;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import io.doppel.agent.MetricsSource;
import io.doppel.api.job.JobState;
import io.doppel.api.job.JobStatus;

/** The jobs' figures for the agent's metrics endpoint: state, sequences, queue, lag, exposure, throughput, mirror. */
@Component(service = MetricsSource.class)
public final class JobMetrics implements MetricsSource {

    private final JobManager jobs;

    @Activate
    public JobMetrics(@Reference JobManager jobs) {
        this.jobs = jobs;
    }

    @Override
    public void writeMetrics(StringBuilder out) {
        List<JobStatus> all = jobs.jobs();
        long nowMicros = SteadyClock.nowMicros();
        family(out, "doppel_job_state", "gauge", "The job's state: 1 for the state it is in.");
        for (JobStatus j : all) {
            for (JobState s : JobState.values()) {
                out.append("doppel_job_state{job=\"").append(MetricsSource.label(j.definition().name()))
                        .append("\",state=\"").append(s).append("\"} ").append(j.state() == s ? 1 : 0).append('\n');
            }
        }
        family(out, "doppel_job_sequence", "gauge", "The newest op captured, sent, and applied on the target.");
        for (JobStatus j : all) {
            String job = MetricsSource.label(j.definition().name());
            out.append("doppel_job_sequence{job=\"").append(job).append("\",kind=\"captured\"} ").append(j.lastSeq()).append('\n');
            out.append("doppel_job_sequence{job=\"").append(job).append("\",kind=\"sent\"} ").append(j.sentSeq()).append('\n');
            out.append("doppel_job_sequence{job=\"").append(job).append("\",kind=\"applied\"} ").append(j.ackedSeq()).append('\n');
        }
        gauge(out, all, "doppel_job_queue_ops", "Ops captured and not yet acknowledged.", JobStatus::queuedOps);
        family(out, "doppel_job_queue_bytes", "gauge", "Bytes of the queue, in its journal on disk and held in memory.");
        for (JobStatus j : all) {
            String job = MetricsSource.label(j.definition().name());
            out.append("doppel_job_queue_bytes{job=\"").append(job).append("\",where=\"disk\"} ").append(j.queuedBytes()).append('\n');
            out.append("doppel_job_queue_bytes{job=\"").append(job).append("\",where=\"memory\"} ")
                    .append(j.queuedMemoryBytes()).append('\n');
        }
        gauge(out, all, "doppel_job_lag_seconds", "Capture-to-apply time of the newest acknowledged op.",
                j -> j.lagMillis() < 0 ? 0 : j.lagMillis() / 1000.0);
        family(out, "doppel_job_exposure_seconds", "gauge",
                "How far back the changes the target has not applied go (what a loss of the source would lose now).");
        for (JobStatus j : all) {
            double exposure;
            try {
                exposure = jobs.job(j.definition().name()).exposureMillis(nowMicros) / 1000.0;
            } catch (RuntimeException e) {
                continue; // deleted meanwhile
            }
            out.append("doppel_job_exposure_seconds{job=\"").append(MetricsSource.label(j.definition().name())).append("\"} ")
                    .append(exposure).append('\n');
        }
        gauge(out, all, "doppel_job_rpo_seconds", "The job's RPO target (0: none).", j -> j.definition().rpoSeconds());
        gauge(out, all, "doppel_job_throughput_bytes_per_second", "Bytes sent to the target per second, lately.",
                JobStatus::bytesPerSecond);
        family(out, "doppel_job_sent_bytes_total", "counter", "Bytes sent to the target since the agent started.");
        for (JobStatus j : all) {
            out.append("doppel_job_sent_bytes_total{job=\"").append(MetricsSource.label(j.definition().name())).append("\"} ")
                    .append(j.bytesSent()).append('\n');
        }
        gauge(out, all, "doppel_job_mirror_running", "1 while a mirror runs.",
                j -> j.mirror() != null && j.mirror().running() ? 1 : 0);
        gauge(out, all, "doppel_job_mirror_progress_ratio", "The running or last mirror's bytes done of its total (0..1).",
                j -> j.mirror() == null ? 0 : j.mirror().bytesTotal() <= 0 ? (j.mirror().running() ? 0 : 1)
                        : (double) j.mirror().bytesDone() / j.mirror().bytesTotal());
    }

    private static void family(StringBuilder out, String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static void gauge(StringBuilder out, List<JobStatus> all, String name, String help, ToDoubleFunction<JobStatus> value) {
        family(out, name, "gauge", help);
        for (JobStatus j : all) {
            double v = value.applyAsDouble(j);
            out.append(name).append("{job=\"").append(MetricsSource.label(j.definition().name())).append("\"} ");
            if (v == Math.rint(v) && Math.abs(v) < 1e15) {
                out.append((long) v);
            } else {
                out.append(v);
            }
            out.append('\n');
        }
    }
}
