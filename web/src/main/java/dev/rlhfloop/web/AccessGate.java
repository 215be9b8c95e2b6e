package dev.rlhfloop.web;

import dev.rlhfloop.contracts.Json;
import dev.rlhfloop.service.ApiError;
import dev.rlhfloop.service.auth.Auth;
import dev.rlhfloop.service.auth.Caller;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * The public URL's access rules (docs/security.md), checked before any request reaches a service:
 * who may call what (401 without credentials, 403 with a rater's on an admin action), the rate
 * limits and daily cap (429 with Retry-After), and the body size cap (413). The services check the
 * credentials again themselves; this gate answers early and is where the limits live.
 */
@ApplicationScoped
public class AccessGate {
    /** What a request needs. */
    enum Need { NOTHING, READ, RATER, RATER_OR_ADMIN, ADMIN }

    private final Auth auth;
    private final LimitsConfig limits;
    private final RateLimits counts = new RateLimits(Clock.systemUTC());

    AccessGate(Auth auth, LimitsConfig limits) {
        this.auth = auth;
        this.limits = limits;
    }

    void register(@Observes Router router, Vertx vertx) {
        // Before the gateway's own routes (-100) and its proxy (-99).
        router.route("/api/*").order(-200).handler(this::check);
        router.get("/login").order(-200).handler(this::login);
        vertx.setPeriodic(Duration.ofMinutes(5).toMillis(), t -> counts.prune());
    }

    /** What {@code method path} needs; unknown paths need nothing here (the proxy answers 404). */
    static Need need(HttpMethod method, String path) {
        boolean read = method == HttpMethod.GET || method == HttpMethod.HEAD;
        if (under(path, "/api/session") || under(path, "/api/status") || path.startsWith("/api/openapi")) return Need.NOTHING;
        if (under(path, "/api/votes") || under(path, "/api/thumbs")) return read ? Need.READ : Need.RATER;
        if (under(path, "/api/comparisons") || under(path, "/api/chat")) return read ? Need.READ : Need.RATER_OR_ADMIN;
        if (under(path, "/api/raters") || under(path, "/api/export") || under(path, "/api/exports") || under(path, "/api/import") || under(path, "/api/settings")) return Need.ADMIN;
        if (path.startsWith("/api/models/") && path.endsWith("/weights")) return Need.ADMIN;
        if (!read && (under(path, "/api/replays") || under(path, "/api/models") || under(path, "/api/training")
                || under(path, "/api/lines"))) return Need.ADMIN;
        return Need.READ;
    }

    private static boolean under(String path, String prefix) {
        return path.equals(prefix) || path.startsWith(prefix + "/");
    }

    private void check(RoutingContext ctx) {
        HttpServerRequest in = ctx.request();
        String length = in.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length != null && parseLong(length) > limits.maxBodyBytes()) {
            refuse(ctx, ApiError.Code.TOO_LARGE, "the body has " + length + " bytes, at most " + limits.maxBodyBytes() + " are taken", null);
            return;
        }
        Need need = need(in.method(), in.path());
        Caller caller = auth.identify(in.getHeader(HttpHeaders.AUTHORIZATION), in.getHeader(HttpHeaders.COOKIE));
        try {
            switch (need) {
                case NOTHING -> { }
                case READ -> {
                    if (auth.inviteOnly() && caller.raterId() == null && !caller.isAdmin()) throw Auth.unauthenticated(caller);
                }
                case RATER -> auth.requireRater(caller);
                case RATER_OR_ADMIN -> {
                    if (!caller.isAdmin()) auth.requireRater(caller);
                }
                case ADMIN -> auth.requireAdmin(caller, false);
            }
        } catch (Auth.AuthException e) {
            if (e.code() == ApiError.Code.UNAUTHORIZED) ctx.response().putHeader("WWW-Authenticate", "Bearer");
            refuse(ctx, e.code(), e.getMessage(), null);
            return;
        }
        // A thumbs on one answer is a rater's judgement like a vote: it draws on the same allowance and daily cap.
        if (in.method() == HttpMethod.POST && (in.path().equals("/api/votes") || under(in.path(), "/api/thumbs"))
                && !admitVote(ctx, caller.raterId())) return;
        if (in.method() == HttpMethod.POST && generates(in.path()) && !admitComparison(ctx, caller)) return;
        ctx.next();
    }

    /** Requests that start answers, counted against the comparison limits: a comparison, a follow-up turn, a chat message. */
    static boolean generates(String path) {
        return path.equals("/api/comparisons") || path.equals("/api/chat")
                || path.startsWith("/api/comparisons/") && path.endsWith("/turns");
    }

    private boolean admitVote(RoutingContext ctx, String raterId) {
        Optional<Duration> wait = counts.overDailyCap(raterId, limits.votesPerRaterPerDay());
        if (wait.isPresent()) {
            refuse(ctx, ApiError.Code.RATE_LIMITED, "this rater has cast " + limits.votesPerRaterPerDay()
                    + " votes today, the daily cap (rlhf.limits.votes-per-rater-per-day); more count from midnight UTC", wait.get());
            return false;
        }
        if (!admit(ctx, "vote", raterId, limits.votesPerRaterPerHour(), limits.votesPerAddressPerHour())) return false;
        ctx.addHeadersEndHandler(v -> {
            if (ctx.response().getStatusCode() == 202) counts.countVote(raterId);
        });
        return true;
    }

    private boolean admitComparison(RoutingContext ctx, Caller caller) {
        String who = caller.raterId() != null ? caller.raterId() : "admin";
        return admit(ctx, "comparison", who, limits.comparisonsPerRaterPerHour(), limits.comparisonsPerAddressPerHour());
    }

    private boolean admit(RoutingContext ctx, String what, String raterId, int perRater, int perAddress) {
        Optional<Duration> wait = counts.take(what + "|rater|" + raterId, perRater);
        if (wait.isPresent()) {
            refuse(ctx, ApiError.Code.RATE_LIMITED, "too many " + what + "s from this rater: at most " + perRater
                    + " per hour (rlhf.limits." + what + "s-per-rater-per-hour)", wait.get());
            return false;
        }
        wait = counts.take(what + "|address|" + address(ctx.request()), perAddress);
        if (wait.isPresent()) {
            refuse(ctx, ApiError.Code.RATE_LIMITED, "too many " + what + "s from this address: at most " + perAddress
                    + " per hour (rlhf.limits." + what + "s-per-address-per-hour)", wait.get());
            return false;
        }
        return true;
    }

    private String address(HttpServerRequest in) {
        if (limits.trustForwardedFor()) {
            String forwarded = in.getHeader("X-Forwarded-For");
            if (forwarded != null && !forwarded.isBlank()) {
                String[] hops = forwarded.split(",");
                return hops[hops.length - 1].strip();
            }
        }
        return in.remoteAddress() == null ? "unknown" : in.remoteAddress().hostAddress();
    }

    /**
     * {@code GET /login?token=ADMIN_TOKEN}: the one-time link printed at first start. Sets the admin
     * cookie (HttpOnly, SameSite=Strict) and opens the dashboard, where admin actions then show.
     */
    private void login(RoutingContext ctx) {
        String token = ctx.request().getParam("token");
        Caller caller = token == null ? Caller.ANONYMOUS : auth.identify("Bearer " + token, null);
        if (!caller.isAdmin()) {
            refuse(ctx, ApiError.Code.UNAUTHORIZED, "not the admin token: use the link printed at first start, "
                    + "or the token in run/auth/admin-token (RLHF_ADMIN_TOKEN)", null);
            return;
        }
        ctx.response().setStatusCode(303)
                .putHeader(HttpHeaders.SET_COOKIE, Auth.ADMIN_COOKIE + "=" + token + "; Path=/; Max-Age=" + Duration.ofDays(30).toSeconds()
                        + "; HttpOnly; SameSite=Strict")
                .putHeader(HttpHeaders.LOCATION, "/#dashboard")
                .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
                .end();
    }

    private static void refuse(RoutingContext ctx, ApiError.Code code, String reason, Duration retryAfter) {
        var res = ctx.response();
        if (retryAfter != null) res.putHeader("Retry-After", String.valueOf(Math.max(1, (retryAfter.toMillis() + 999) / 1000)));
        res.setStatusCode(code.status().getStatusCode())
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
                .end(Json.writeString(ApiError.of(code, reason)));
    }

    private static long parseLong(String text) {
        try {
            return Long.parseLong(text.strip());
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }
}
