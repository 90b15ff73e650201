package io.doppel.console.internal.dashboard;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import org.eclipse.jface.layout.GridDataFactory;
import org.eclipse.jface.layout.GridLayoutFactory;
import org.eclipse.jface.resource.JFaceResources;
import org.eclipse.swt.SWT;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Label;

import io.doppel.console.internal.model.ConnectionState;
import io.doppel.console.internal.model.JobRef;
import io.doppel.console.internal.model.Server;
import io.doppel.console.internal.model.ServerState;

/** One server on the dashboard: its name, address and connection, its jobs by state, its failovers, a line per job. */
public final class ServerTile {

    private final Server server;
    private final DashboardColours colours;
    private final Composite root;
    private final Label name;
    private final Label address;
    private final Label state;
    private final Label jobs;
    private final Label failovers;
    private final Label problem;
    private final List<JobLine> lines = new ArrayList<>();
    /** The jobs the lines were made for; another list means the tile is made anew. */
    private final List<JobRef> madeFor;

    ServerTile(Composite parent, Server server, DashboardColours colours, Consumer<JobRef> onSelect) {
        this.server = server;
        this.colours = colours;
        this.madeFor = server.jobs();
        root = new Composite(parent, SWT.BORDER);
        GridLayoutFactory.swtDefaults().numColumns(1).spacing(0, 4).applyTo(root);
        GridDataFactory.fillDefaults().grab(true, false).applyTo(root);

        Composite header = new Composite(root, SWT.NONE);
        GridLayoutFactory.fillDefaults().numColumns(5).spacing(16, 2).applyTo(header);
        GridDataFactory.fillDefaults().grab(true, false).applyTo(header);
        name = new Label(header, SWT.NONE);
        name.setFont(JFaceResources.getFontRegistry().getBold(JFaceResources.HEADER_FONT));
        address = new Label(header, SWT.NONE);
        state = new Label(header, SWT.NONE);
        state.setFont(JFaceResources.getFontRegistry().getBold(JFaceResources.DEFAULT_FONT));
        jobs = new Label(header, SWT.NONE);
        failovers = new Label(header, SWT.NONE);
        GridDataFactory.fillDefaults().grab(true, false).applyTo(failovers);
        problem = new Label(root, SWT.WRAP);
        GridDataFactory.fillDefaults().grab(true, false).hint(300, SWT.DEFAULT).applyTo(problem);

        for (JobRef job : madeFor) {
            Label separator = new Label(root, SWT.SEPARATOR | SWT.HORIZONTAL);
            GridDataFactory.fillDefaults().grab(true, false).applyTo(separator);
            lines.add(new JobLine(root, job, colours, onSelect));
        }
        update();
    }

    /** Whether the tile still shows the server's jobs (else it is made anew). */
    boolean fits() {
        return server.jobs().equals(madeFor);
    }

    void update() {
        ServerState s = server.state();
        name.setText(server.displayName());
        address.setText(server.entry().address().toString());
        ConnectionState connection = s.connection();
        state.setText(connection.label());
        state.setForeground(colours.get(Colours.of(connection)));
        jobs.setText(Figures.jobsByState(server.jobs()));
        failovers.setText(Figures.failovers(server.failovers()));
        String problemText = s.problem() == null ? "" : s.problem()
                + (connection.nextStep() == null ? "" : "  Next step: " + connection.nextStep());
        problem.setText(problemText);
        problem.setForeground(colours.get(Colours.ALARM));
        boolean showProblem = !problemText.isEmpty();
        if (problem.getVisible() != showProblem) {
            problem.setVisible(showProblem);
            ((org.eclipse.swt.layout.GridData) problem.getLayoutData()).exclude = !showProblem;
        }
        lines.forEach(JobLine::update);
    }

    void dispose() {
        root.dispose();
    }

    // What the view and tests read.

    public Server server() {
        return server;
    }

    public List<JobLine> lines() {
        return List.copyOf(lines);
    }

    public String stateText() {
        return state.getText();
    }

    public Colours stateColour() {
        return colours.which(state.getForeground());
    }

    public String jobsText() {
        return jobs.getText();
    }
}
