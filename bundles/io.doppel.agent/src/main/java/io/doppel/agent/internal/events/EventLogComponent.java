package io.doppel.agent.internal.events;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

import io.doppel.agent.AgentHome;
import io.doppel.api.event.Event;
import io.doppel.api.event.EventLog;
import io.doppel.api.event.EventQuery;
import io.doppel.api.event.Severity;

/** The agent's {@link EventLog}: {@code <home>/state/events}, 8 files of up to 4 MiB. */
@Component(service = EventLog.class)
public final class EventLogComponent implements EventLog {

    static final long FILE_BYTES = 4L * 1024 * 1024;
    static final int FILES = 8;

    private final EventFiles files;

    @Activate
    public EventLogComponent(@Reference AgentHome home) throws IOException {
        this.files = new EventFiles(home.area("events"), home.identity().name(), FILE_BYTES, FILES,
                System::currentTimeMillis);
        post(Severity.INFO, null, "agent.started", "agent '" + home.identity().name() + "' started");
    }

    @Override
    public Event post(Severity severity, String job, String code, String message) {
        return files.post(severity, job, code, message);
    }

    @Override
    public List<Event> query(EventQuery query, Duration wait) throws InterruptedException {
        return files.query(query, wait);
    }

    @Deactivate
    void deactivate() {
        files.close();
    }
}
