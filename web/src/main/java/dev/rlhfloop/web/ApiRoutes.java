package dev.rlhfloop.web;

import dev.rlhfloop.contracts.ComparisonIds;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.URI;
import java.util.List;
import java.util.Optional;

/** The routing table of the public API: which service owns which path. */
@ApplicationScoped
public class ApiRoutes {

    /**
     * A backing service: its name (for error messages) and the base URLs of its instances, as
     * configured ({@link #baseUrl()} is the first, for callers that need one service-wide answer).
     */
    public record Upstream(String name, List<URI> baseUrls) {
        public URI baseUrl() {
            return baseUrls.get(0);
        }
    }

    /** A path prefix and its owner: "/api/stats" owns "/api/stats" and "/api/stats/...", not "/api/statsx". */
    record Route(String prefix, Upstream upstream) {
        boolean matches(String path) {
            return path.equals(prefix) || path.startsWith(prefix + "/");
        }
    }

    static final String COMPARISONS = "/api/comparisons";

    private final List<Route> routes;

    ApiRoutes(ServicesConfig services) {
        Upstream inference = new Upstream("inference-service", services.inference());
        Upstream feedback = new Upstream("feedback-service", services.feedback());
        Upstream trainer = new Upstream("trainer-service", services.trainer());
        this.routes = List.of(
                new Route(COMPARISONS, inference),
                new Route("/api/chat", inference),
                new Route("/api/votes", feedback),
                new Route("/api/thumbs", feedback),
                new Route("/api/stats", feedback),
                new Route("/api/session", feedback),
                new Route("/api/raters", feedback),
                new Route("/api/export", feedback),
                new Route("/api/import", feedback),
                new Route("/api/models", trainer),
                new Route("/api/replays", trainer),
                new Route("/api/training", trainer),
                new Route("/api/lines", trainer));
    }

    /** The service that owns {@code path}, or empty when none does. */
    public Optional<Upstream> forPath(String path) {
        return routes.stream().filter(r -> r.matches(path)).map(Route::upstream).findFirst();
    }

    /**
     * The instance that must answer {@code path}, or empty when any instance may: a comparison lives
     * in the memory of the inference instance that started it, and its id begins with that
     * instance's name ({@link ComparisonIds}).
     */
    static Optional<String> ownerOf(String path) {
        if (!path.startsWith(COMPARISONS + "/")) return Optional.empty();
        String rest = path.substring(COMPARISONS.length() + 1);
        return ComparisonIds.owner(rest.contains("/") ? rest.substring(0, rest.indexOf('/')) : rest);
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
