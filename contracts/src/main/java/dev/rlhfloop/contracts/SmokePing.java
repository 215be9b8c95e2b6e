package dev.rlhfloop.contracts;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A diagnostic event that travels through the services in the order of its route, each appending
 * its name, on {@link Topics#SMOKE}. A complete ping proves every service reads and writes Kafka.
 */
public record SmokePing(int schemaVersion, String id, List<String> route, List<String> hops, long sentAtMs) {
    public static final int SCHEMA_VERSION = 1;

    public SmokePing {
        if (id == null || id.isBlank()) throw new IllegalArgumentException("a smoke ping needs an id");
        if (route == null || route.isEmpty()) throw new IllegalArgumentException("smoke ping " + id + " needs a route");
        route = List.copyOf(route);
        hops = hops == null ? List.of() : List.copyOf(hops);
    }

    public static SmokePing start(String id, List<String> route, long nowMs) {
        return new SmokePing(SCHEMA_VERSION, id, route, List.of(), nowMs);
    }

    public boolean complete() {
        return hops.size() >= route.size();
    }

    /** The service that should handle this ping next, if any. */
    public Optional<String> nextHop() {
        return complete() ? Optional.empty() : Optional.of(route.get(hops.size()));
    }

    public SmokePing visitedBy(String service) {
        if (!nextHop().map(service::equals).orElse(false)) {
            throw new IllegalStateException(service + " is not the next hop of smoke ping " + id);
        }
        List<String> visited = new ArrayList<>(hops);
        visited.add(service);
        return new SmokePing(schemaVersion, id, route, visited, sentAtMs);
    }
}
