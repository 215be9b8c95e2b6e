package dev.rlhfloop.contracts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SmokePingTest {
    static final List<String> ROUTE = List.of("inference-service", "feedback-service", "trainer-service");

    @Test
    void followsItsRouteOneHopAtATime() {
        SmokePing ping = SmokePing.start("p1", ROUTE, 42);
        for (String service : ROUTE) {
            assertFalse(ping.complete());
            assertEquals(Optional.of(service), ping.nextHop());
            ping = ping.visitedBy(service);
        }
        assertTrue(ping.complete());
        assertEquals(ROUTE, ping.hops());
        assertEquals(Optional.empty(), ping.nextHop());
    }

    @Test
    void rejectsAServiceThatIsNotTheNextHop() {
        SmokePing ping = SmokePing.start("p2", ROUTE, 42);
        assertThrows(IllegalStateException.class, () -> ping.visitedBy("trainer-service"));
    }

    @Test
    void needsAnIdAndARoute() {
        assertThrows(IllegalArgumentException.class, () -> SmokePing.start(" ", ROUTE, 1));
        assertThrows(IllegalArgumentException.class, () -> SmokePing.start("p3", List.of(), 1));
    }

    @Test
    void roundTripsThroughJsonWithItsSchemaVersion() throws Exception {
        ObjectMapper json = new ObjectMapper();
        SmokePing ping = SmokePing.start("p4", ROUTE, 7).visitedBy("inference-service");
        String text = json.writeValueAsString(ping);
        assertTrue(text.contains("\"schemaVersion\":1"), text);
        assertEquals(ping, json.readValue(text, SmokePing.class));
    }
}
