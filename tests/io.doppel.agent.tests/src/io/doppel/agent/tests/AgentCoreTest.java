package io.doppel.agent.tests;

import static io.doppel.testing.Await.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.channels.FileChannel;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;

import io.doppel.agent.AgentHome;
import io.doppel.api.agent.AgentStatus;
import io.doppel.management.AgentAddress;
import io.doppel.management.Credentials;
import io.doppel.management.ManagementClient;
import io.doppel.management.ManagementException;
import io.doppel.management.protocol.Messages;
import io.doppel.management.spi.CommandException;
import io.doppel.management.spi.CommandHandler;
import io.doppel.testing.Services;

/** The agent core's components inside a real OSGi framework with Felix SCR and ConfigAdmin. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AgentCoreTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String ENDPOINT_PID = "io.doppel.management.endpoint";

    private static BundleContext context;
    private static AgentHome home;

    @BeforeAll
    static void configureEndpointOnAFreePort() throws Exception {
        context = FrameworkUtil.getBundle(AgentCoreTest.class).getBundleContext();
        home = Services.await(context, AgentHome.class, WAIT);
        // configuration events are delivered asynchronously: wait until this one moved the endpoint
        // (port 0 picks a new free port), so that it cannot move again under a later test
        int initial = port();
        configureEndpoint(0, 2);
        awaitCondition(WAIT, () -> port() > 0 && port() != 7420 && port() != initial,
                "endpoint to listen on a free port");
    }

    @Test
    @Order(1)
    void everyCoreComponentIsActive() throws Exception {
        ServiceComponentRuntime scr = Services.await(context, ServiceComponentRuntime.class, WAIT);
        Set<String> expected = Set.of("io.doppel.agent.internal.AgentHomeComponent",
                "io.doppel.agent.internal.management.ManagementEndpoint",
                "io.doppel.agent.internal.management.CommandRegistry",
                "io.doppel.agent.internal.commands.StatusCommand", "io.doppel.agent.internal.ProcessGuard");
        awaitCondition(WAIT, () -> activeComponents(scr).containsAll(expected),
                "components " + expected + " to be active");
    }

    @Test
    @Order(2)
    void homeHasIdentityTokenAndIsLocked() throws Exception {
        assertEquals("osgi-test-agent", home.identity().name());
        assertEquals(95, home.identity().fingerprint().length(), "SHA-256 as 32 hex pairs with colons");
        assertTrue(Files.exists(home.managementTokenFile()));
        assertNotNull(home.keyStore().getCertificate(AgentHome.KEY_ALIAS));
        try (FileChannel channel = FileChannel.open(home.root().resolve("agent.lock"), StandardOpenOption.WRITE)) {
            assertThrows(OverlappingFileLockException.class, channel::tryLock, "the home must be locked by the agent");
        }
    }

    @Test
    @Order(3)
    void endpointAnswersStatusToAnAuthenticatedClient() throws Exception {
        try (ManagementClient client = connect(tokenOfAgent())) {
            assertEquals(home.identity().fingerprint(), client.fingerprint());
            AgentStatus status = client.status();
            assertEquals("osgi-test-agent", status.identity().name());
            assertTrue(status.plugins().stream().anyMatch(p -> p.id().equals("io.doppel.agent")
                    && p.state().equals("ACTIVE")), status.plugins().toString());
            assertTrue(status.jobs().isEmpty());
        }
    }

    @Test
    @Order(4)
    void wrongTokenIsRefused() throws Exception {
        Path wrong = Files.writeString(home.root().resolve("wrong.token"), "ab".repeat(32));
        ManagementException e = assertThrows(ManagementException.class, () -> connect(Credentials.fromFile(wrong)));
        assertEquals(ManagementException.Reason.AUTH_FAILED, e.reason());
    }

    @Test
    @Order(5)
    void commandsComeAndGoWithTheirServices() throws Exception {
        CommandHandler echo = new CommandHandler() {
            @Override
            public String name() {
                return "test.echo";
            }

            @Override
            public String description() {
                return "Echo the argument 'text'.";
            }

            @Override
            public JsonElement handle(JsonObject args) throws CommandException {
                if (!args.has("text")) {
                    throw new CommandException(Messages.E_BAD_ARGUMENT, "text is missing");
                }
                return new JsonPrimitive(args.get("text").getAsString());
            }
        };
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(CommandHandler.COMMAND, "test.echo");
        ServiceRegistration<CommandHandler> reg = context.registerService(CommandHandler.class, echo, props);
        try (ManagementClient client = connect(tokenOfAgent())) {
            assertEquals("hi", client.call("test.echo", ManagementClient.args("text", "hi")).getAsString());
            ManagementException bad = assertThrows(ManagementException.class,
                    () -> client.call("test.echo", new JsonObject()));
            assertEquals(Messages.E_BAD_ARGUMENT, bad.code());
            assertTrue(client.call("help", new JsonObject()).getAsJsonObject().has("test.echo"));
            reg.unregister();
            reg = null;
            ManagementException gone = assertThrows(ManagementException.class,
                    () -> client.call("test.echo", ManagementClient.args("text", "hi")));
            assertEquals(Messages.E_UNKNOWN_COMMAND, gone.code());
        } finally {
            if (reg != null) {
                reg.unregister();
            }
        }
    }

    @Test
    @Order(6)
    void hostileFramesCloseOnlyTheirOwnConnection() throws Exception {
        AgentAddress address = address();
        // A length field of 2 GiB: refused before any allocation, connection closed.
        try (Socket s = new Socket(address.host(), address.port())) {
            s.setSoTimeout(10_000);
            new DataOutputStream(s.getOutputStream()).writeInt(Integer.MAX_VALUE);
            assertTrue(readUntilClosed(s.getInputStream()).contains(Messages.E_PROTOCOL));
        }
        // Not JSON at all.
        try (Socket s = new Socket(address.host(), address.port())) {
            s.setSoTimeout(10_000);
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            byte[] junk = "{not json".getBytes(StandardCharsets.UTF_8);
            out.writeInt(junk.length);
            out.write(junk);
            assertTrue(readUntilClosed(s.getInputStream()).contains(Messages.E_PROTOCOL));
        }
        // Silence: closed after the authentication timeout (2 s in this test's configuration).
        try (Socket s = new Socket(address.host(), address.port())) {
            s.setSoTimeout(20_000);
            assertTrue(readUntilClosed(s.getInputStream()).contains(Messages.E_AUTH));
        }
        // The agent still serves everyone else.
        try (ManagementClient client = connect(tokenOfAgent())) {
            assertEquals("osgi-test-agent", client.status().identity().name());
        }
    }

    @Test
    @Order(7)
    void configurationChangeMovesTheEndpoint() throws Exception {
        int before = port();
        configureEndpoint(0, 3);
        // the endpoint moved when a client is served at its new port (the file can be rewritten once more
        // while the component settles: it is read again until a connection there answers)
        String[] name = new String[1];
        awaitCondition(WAIT, () -> {
            int now = port();
            if (now <= 0 || now == before) {
                return false;
            }
            try (ManagementClient client = ManagementClient.connect(new AgentAddress("127.0.0.1", now), tokenOfAgent(),
                    Duration.ofSeconds(5))) {
                name[0] = client.status().identity().name();
                return true;
            } catch (ManagementException | IOException e) {
                return false;
            }
        }, "endpoint to move away from port " + before + " and answer there");
        assertEquals("osgi-test-agent", name[0]);
        ManagementException e = assertThrows(ManagementException.class,
                () -> ManagementClient.connect(new AgentAddress("127.0.0.1", before), tokenOfAgent(),
                        Duration.ofSeconds(5)));
        assertEquals(ManagementException.Reason.UNREACHABLE, e.reason());
        assertNotEquals(before, port());
    }

    // --- helpers

    private static String readUntilClosed(InputStream in) throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }

    private static Set<String> activeComponents(ServiceComponentRuntime scr) {
        return scr.getComponentDescriptionDTOs().stream()
                .filter(d -> d.bundle.symbolicName.equals("io.doppel.agent"))
                .filter(d -> scr.getComponentConfigurationDTOs(d).stream()
                        .anyMatch(c -> c.state == ComponentConfigurationDTO.ACTIVE))
                .map((ComponentDescriptionDTO d) -> d.name).collect(Collectors.toSet());
    }

    private static void configureEndpoint(int port, int authTimeoutSeconds) throws Exception {
        Configuration config = Services.await(context, ConfigurationAdmin.class, WAIT).getConfiguration(ENDPOINT_PID, "?");
        Dictionary<String, Object> props = new Hashtable<>();
        props.put("host", "127.0.0.1");
        props.put("port", port);
        props.put("authTimeoutSeconds", authTimeoutSeconds);
        config.update(props);
    }

    private static int port() {
        try {
            return AgentAddress.parse(Files.readString(home.runDir().resolve("management.endpoint"))).port();
        } catch (IOException | IllegalArgumentException e) {
            return -1;
        }
    }

    private static AgentAddress address() {
        return new AgentAddress("127.0.0.1", port());
    }

    private static Credentials tokenOfAgent() throws IOException {
        return Credentials.fromFile(home.managementTokenFile());
    }

    private static ManagementClient connect(Credentials credentials) throws ManagementException {
        return ManagementClient.connect(address(), credentials, Duration.ofSeconds(10));
    }

}
