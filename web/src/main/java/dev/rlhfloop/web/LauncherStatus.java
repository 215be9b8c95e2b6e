package dev.rlhfloop.web;

import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * {@code GET /api/launcher}: what {@code ./rlhf-loop up} is doing about its children (which it restarts
 * with back-off when they die), read from the file its supervisor writes; the status badge says
 * "restarting kafka" from it. Outside the launcher (compose, tests) there is no file: no components.
 */
@ApplicationScoped
public class LauncherStatus {
    private static final String NONE = "{\"components\":[]}";

    @ConfigProperty(name = "rlhf.web.launcher-status")
    Optional<java.nio.file.Path> statusFile;

    void register(@Observes Router router) {
        // before the gateway's /api/* proxy (order -99), like /api/status
        router.get("/api/launcher").order(-100).handler(this::serve);
    }

    private void serve(RoutingContext ctx) {
        ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json").putHeader(HttpHeaders.CACHE_CONTROL, "no-store");
        if (statusFile.isEmpty()) {
            ctx.response().end(NONE);
            return;
        }
        ctx.vertx().fileSystem().readFile(statusFile.get().toString())
                .onSuccess(body -> ctx.response().end(body))
                .onFailure(e -> ctx.response().end(NONE));
    }
}
