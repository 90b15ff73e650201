package io.doppel.notify.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.util.HexFormat;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snmp4j.CommunityTarget;
import org.snmp4j.MessageDispatcherImpl;
import org.snmp4j.PDU;
import org.snmp4j.ScopedPDU;
import org.snmp4j.Snmp;
import org.snmp4j.Target;
import org.snmp4j.UserTarget;
import org.snmp4j.mp.MPv2c;
import org.snmp4j.mp.MPv3;
import org.snmp4j.mp.SnmpConstants;
import org.snmp4j.security.AuthHMAC192SHA256;
import org.snmp4j.security.AuthSHA;
import org.snmp4j.security.PrivAES128;
import org.snmp4j.security.SecurityLevel;
import org.snmp4j.security.SecurityModel;
import org.snmp4j.security.SecurityProtocols;
import org.snmp4j.security.USM;
import org.snmp4j.security.UsmUser;
import org.snmp4j.smi.OID;
import org.snmp4j.smi.OctetString;
import org.snmp4j.smi.TimeTicks;
import org.snmp4j.smi.UdpAddress;
import org.snmp4j.smi.VariableBinding;
import org.snmp4j.transport.DefaultUdpTransportMapping;

import io.doppel.api.event.Event;
import io.doppel.notify.internal.Check.HostPort;

/** Sends an event as an SNMPv2c or SNMPv3 (USM, authPriv) trap of DOPPEL-MIB, over UDP, with SNMP4J. */
final class TrapSender implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TrapSender.class);

    private final SnmpSettings settings;
    private final Snmp snmp;
    private final OctetString engineId;
    private final long startNanos = System.nanoTime();

    TrapSender(SnmpSettings settings) throws IOException {
        this.settings = settings;
        MessageDispatcherImpl dispatcher = new MessageDispatcherImpl();
        if (settings.version() == SnmpSettings.Version.V2C) {
            engineId = null;
            dispatcher.addMessageProcessingModel(new MPv2c());
        } else {
            engineId = new OctetString(settings.engineId() != null ? settings.engineId()
                    : MPv3.createLocalEngineID(new OctetString("doppel@" + hostName())));
            // its own set: SNMP4J's shared instance is left alone
            SecurityProtocols protocols = new SecurityProtocols(SecurityProtocols.SecurityProtocolSet.none);
            protocols.addAuthenticationProtocol(new AuthSHA());
            protocols.addAuthenticationProtocol(new AuthHMAC192SHA256());
            protocols.addPrivacyProtocol(new PrivAES128());
            USM usm = new USM(protocols, engineId, 0);
            usm.addUser(new OctetString(settings.user()), new UsmUser(new OctetString(settings.user()),
                    settings.auth() == SnmpSettings.Auth.SHA ? AuthSHA.ID : AuthHMAC192SHA256.ID,
                    new OctetString(settings.authPassword()), PrivAES128.ID, new OctetString(settings.privPassword())));
            dispatcher.addMessageProcessingModel(new MPv3(usm));
            LOG.info("SNMP v3 traps are sent with engine ID 0x{} as user {}", hex(engineId), settings.user());
        }
        DefaultUdpTransportMapping transport = new DefaultUdpTransportMapping();
        snmp = new Snmp(dispatcher, transport);
        snmp.listen();
    }

    /** The engine ID of SNMP v3 traps, in hex ({@code null} for v2c). */
    String engineIdHex() {
        return engineId == null ? null : hex(engineId);
    }

    /** Sends {@code event} to {@code target}; throws when it cannot leave this host (unknown host, no route). */
    void send(Event event, HostPort target) throws IOException {
        UdpAddress address = new UdpAddress(InetAddress.getByName(target.host()), target.port());
        PDU pdu;
        Target<UdpAddress> to;
        if (engineId == null) {
            pdu = new PDU();
            CommunityTarget<UdpAddress> t = new CommunityTarget<>(address, new OctetString(settings.community()));
            t.setVersion(SnmpConstants.version2c);
            to = t;
        } else {
            pdu = new ScopedPDU();
            UserTarget<UdpAddress> t = new UserTarget<>(address, new OctetString(settings.user()),
                    engineId.getValue(), SecurityLevel.AUTH_PRIV);
            t.setSecurityModel(SecurityModel.SECURITY_MODEL_USM);
            t.setVersion(SnmpConstants.version3);
            to = t;
        }
        to.setRetries(0);
        pdu.setType(PDU.NOTIFICATION);
        pdu.add(new VariableBinding(SnmpConstants.sysUpTime, new TimeTicks((System.nanoTime() - startNanos) / 10_000_000)));
        pdu.add(new VariableBinding(SnmpConstants.snmpTrapOID, new OID(DoppelMib.notification(event.severity()))));
        for (VariableBinding v : DoppelMib.variables(event)) {
            pdu.add(v);
        }
        snmp.send(pdu, to);
    }

    @Override
    public void close() throws IOException {
        snmp.close();
    }

    private static String hex(OctetString s) {
        return HexFormat.of().formatHex(s.getValue());
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }
}
