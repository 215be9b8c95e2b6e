package dev.rlhfloop.service.auth;

import dev.rlhfloop.service.ApiError;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.HttpHeaders;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The access rules' one source of truth for every service and the gateway (docs/security.md): reads
 * the session secret and the admin token (from {@code RLHF_SESSION_SECRET} / {@code RLHF_ADMIN_TOKEN},
 * else from {@code run/auth/}, generated there at first start), and tells who sent a request.
 */
@Startup
@ApplicationScoped
public class Auth {
    private static final Logger LOG = Logger.getLogger(Auth.class);
    public static final String SESSION_COOKIE = "rlhf_session";
    public static final String ADMIN_COOKIE = "rlhf_admin";
    private static final Duration SERVICE_TOKEN_LIFETIME = Duration.ofHours(1);

    /** local: anyone who reaches the URL gets an anonymous rater session; invite: only invited raters do. */
    public enum Mode { LOCAL, INVITE }

    @ConfigProperty(name = "rlhf.auth", defaultValue = "local")
    String modeName;

    @ConfigProperty(name = "rlhf.auth-dir", defaultValue = "run/auth")
    Path dir;

    @ConfigProperty(name = "rlhf.session-secret")
    Optional<String> configuredSecret;

    @ConfigProperty(name = "rlhf.admin-token")
    Optional<String> configuredAdminToken;

    @ConfigProperty(name = "rlhf.session-lifetime", defaultValue = "90d")
    String sessionLifetimeText;

    @ConfigProperty(name = "quarkus.application.name", defaultValue = "service")
    String serviceName;

    private Mode mode;
    private SessionTokens tokens;
    private byte[] adminToken;
    private boolean adminTokenCreated;
    private Duration sessionLifetime;

    @PostConstruct
    void load() {
        try {
            mode = Mode.valueOf(modeName.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("rlhf.auth (RLHF_AUTH) must be local or invite, was '" + modeName + "'");
        }
        sessionLifetime = parseDays(sessionLifetimeText);
        try {
            String secret = configuredSecret.filter(s -> !s.isBlank()).isPresent() ? configuredSecret.get().strip()
                    : SecretFiles.readOrCreate(dir.resolve("session-secret")).value();
            tokens = new SessionTokens(secret.getBytes(StandardCharsets.UTF_8));
            String admin;
            if (configuredAdminToken.filter(s -> !s.isBlank()).isPresent()) {
                admin = configuredAdminToken.get().strip();
            } else {
                SecretFiles.Secret file = SecretFiles.readOrCreate(dir.resolve("admin-token"));
                admin = file.value();
                adminTokenCreated = file.created();
                if (adminTokenCreated) {
                    // Once, like Jupyter's link: whichever service starts first writes the token (./rlhf-loop up also prints it).
                    LOG.infof("generated the admin token in %s; sign a browser in as the admin once at <public URL>/login?token=%s",
                            dir.resolve("admin-token"), admin);
                }
            }
            if (admin.length() < 16) throw new IllegalArgumentException("the admin token must have at least 16 characters");
            adminToken = admin.getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the secrets in " + dir.toAbsolutePath()
                    + " (set RLHF_SESSION_SECRET and RLHF_ADMIN_TOKEN instead)", e);
        }
        LOG.infof("access: %s mode (%s)", mode.name().toLowerCase(Locale.ROOT),
                mode == Mode.LOCAL ? "every visitor gets an anonymous rater session" : "only invited raters get a session");
    }

    private static Duration parseDays(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        if (t.endsWith("d")) return Duration.ofDays(Long.parseLong(t.substring(0, t.length() - 1)));
        return Duration.parse(t.startsWith("p") ? t.toUpperCase(Locale.ROOT) : "PT" + t.toUpperCase(Locale.ROOT));
    }

    public Mode mode() {
        return mode;
    }

    public boolean inviteOnly() {
        return mode == Mode.INVITE;
    }

    public Duration sessionLifetime() {
        return sessionLifetime;
    }

    /** True when this process generated the admin token (the first start): it prints the login link once. */
    public boolean adminTokenCreated() {
        return adminTokenCreated;
    }

    /** For the one-time login link only; never logged otherwise. */
    public String adminToken() {
        return new String(adminToken, StandardCharsets.UTF_8);
    }

    public String issueRaterToken(String raterId) {
        return tokens.issue(SessionTokens.Kind.RATER, raterId, sessionLifetime);
    }

    /** "Bearer ..." for this service's calls to another service (e.g. inference downloading weights). */
    public String serviceAuthorization() {
        return "Bearer " + tokens.issue(SessionTokens.Kind.SERVICE, serviceName, SERVICE_TOKEN_LIFETIME);
    }

    public Caller identify(HttpHeaders headers) {
        return identify(headers.getHeaderString(HttpHeaders.AUTHORIZATION), headers.getHeaderString(HttpHeaders.COOKIE));
    }

    /**
     * The caller by its {@code Authorization: Bearer} header, else its cookies. A browser may hold
     * both an admin cookie and a rater session: it is then the admin, voting as that rater.
     */
    public Caller identify(String authorization, String cookieHeader) {
        if (authorization != null && !authorization.isBlank()) {
            if (!authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
                return Caller.refused("the Authorization header must be \"Bearer <token>\"");
            }
            String token = authorization.substring(7).strip();
            if (isAdminToken(token)) return new Caller(Caller.Role.ADMIN, null, null);
            return fromToken(token).orElse(Caller.refused("the bearer token is not valid (expired, or signed by another secret)"));
        }
        String session = cookie(cookieHeader, SESSION_COOKIE);
        String admin = cookie(cookieHeader, ADMIN_COOKIE);
        Optional<Caller> rater = session == null ? Optional.empty() : fromToken(session).filter(Caller::isRater);
        if (admin != null && isAdminToken(admin)) {
            return new Caller(Caller.Role.ADMIN, rater.map(Caller::raterId).orElse(null), null);
        }
        if (rater.isPresent()) return rater.get();
        if (session != null || admin != null) return Caller.refused("the session cookie is not valid (expired, or from before the secret changed)");
        return Caller.ANONYMOUS;
    }

    private Optional<Caller> fromToken(String token) {
        return tokens.verify(token).map(claims -> claims.kind() == SessionTokens.Kind.RATER
                ? Caller.rater(claims.subject())
                : new Caller(Caller.Role.SERVICE, null, null));
    }

    private boolean isAdminToken(String token) {
        return MessageDigest.isEqual(adminToken, token.getBytes(StandardCharsets.UTF_8));
    }

    /** A vote's rater: the session's, or 401 / 403. */
    public String requireRater(Caller caller) {
        if (caller.raterId() != null) return caller.raterId();
        if (caller.isAdmin()) throw new AuthException(ApiError.Code.FORBIDDEN, "the admin token is not a rater: open a rater session (POST /api/session) to vote");
        throw unauthenticated(caller);
    }

    public void requireAdmin(Caller caller, boolean servicesToo) {
        if (caller.isAdmin() || (servicesToo && caller.role() == Caller.Role.SERVICE)) return;
        if (caller.isRater() || caller.role() == Caller.Role.SERVICE) {
            throw new AuthException(ApiError.Code.FORBIDDEN, "only the admin may do this (a rater's session is not enough)");
        }
        throw new AuthException(ApiError.Code.UNAUTHORIZED, caller.problem() != null ? caller.problem()
                : "only the admin may do this: send \"Authorization: Bearer <admin token>\" (run/auth/admin-token or RLHF_ADMIN_TOKEN)");
    }

    public static AuthException unauthenticated(Caller caller) {
        return new AuthException(ApiError.Code.UNAUTHORIZED, caller.problem() != null ? caller.problem()
                : "no rater session: open one with POST /api/session and send \"Authorization: Bearer <token>\" (the browser app does this by itself)");
    }

    /** The value of cookie {@code name} in a Cookie header, or null. */
    public static String cookie(String header, String name) {
        if (header == null) return null;
        for (String part : header.split(";")) {
            String p = part.strip();
            int eq = p.indexOf('=');
            if (eq > 0 && p.substring(0, eq).strip().equals(name)) {
                String value = p.substring(eq + 1).strip();
                if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) value = value.substring(1, value.length() - 1);
                return value;
            }
        }
        return null;
    }

    /** A refusal with its status: 401 (no or bad credentials) or 403 (credentials that do not allow this). */
    public static final class AuthException extends RuntimeException {
        private final ApiError.Code code;

        public AuthException(ApiError.Code code, String reason) {
            super(reason, null, false, false);
            this.code = code;
        }

        public ApiError.Code code() {
            return code;
        }
    }
}
