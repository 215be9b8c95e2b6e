package dev.rlhfloop.web;

import jakarta.enterprise.context.ApplicationScoped;
import java.net.URI;
import java.util.List;
import java.util.Optional;

/** The routing table of the public API: which service owns which path. */
@ApplicationScoped
public class ApiRoutes {

    /** A backing service: its name (for error messages) and the base URL requests go to. */
    public record Upstream(String name, URI baseUrl) {}

    /** A path prefix and its owner: "/api/stats" owns "/api/stats" and "/api/stats/...", not "/api/statsx". */
    record Route(String prefix, Upstream upstream) {
        boolean matches(String path) {
            return path.equals(prefix) || path.startsWith(prefix + "/");
        }
    }

    private final List<Route> routes;

    ApiRoutes(ServicesConfig services) {
        Upstream inference = new Upstream("inference-service", services.inference());
        Upstream feedback = new Upstream("feedback-service", services.feedback());
        Upstream trainer = new Upstream("trainer-service", services.trainer());
        this.routes = List.of(
                new Route("/api/comparisons", inference),
                new Route("/api/votes", feedback),
                new Route("/api/stats", feedback),
                new Route("/api/export", feedback),
                new Route("/api/models", trainer),
                new Route("/api/replays", trainer),
                new Route("/api/training", trainer));
    }

    /** The service that owns {@code path}, or empty when none does. */
    public Optional<Upstream> forPath(String path) {
        return routes.stream().filter(r -> r.matches(path)).map(Route::upstream).findFirst();
    }

    /** The path prefixes routed to a service, e.g. "/api/stats". */
    List<String> prefixes() {
        return routes.stream().map(Route::prefix).toList();
    }

    /** Every backing service once, for the status endpoint. */
    public List<Upstream> upstreams() {
        return routes.stream().map(Route::upstream).distinct().toList();
    }
}
