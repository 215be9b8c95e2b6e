package dev.rlhfloop.feedback;

import dev.rlhfloop.contracts.Rater;
import dev.rlhfloop.contracts.api.Session;
import dev.rlhfloop.contracts.api.SessionRequest;
import dev.rlhfloop.service.ApiError;
import dev.rlhfloop.service.auth.Auth;
import dev.rlhfloop.service.auth.Caller;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Locale;

/**
 * {@code /api/session}: a rater's server-issued identity. POST opens a session — anonymous in local
 * mode, the invited rater's in team mode ({@code {"invite": CODE}}) — and answers its token, also
 * set as an HttpOnly, SameSite=Strict cookie for the browser. GET says who the caller is.
 */
@Path("/api/session")
@Produces(MediaType.APPLICATION_JSON)
public class SessionResource {
    private static final SecureRandom RANDOM = new SecureRandom();
    static final int MAX_INVITE = 100;

    @Inject
    Auth auth;

    @Inject
    RaterDirectory directory;

    @POST
    @Consumes(MediaType.WILDCARD)
    public Response open(String body, @Context HttpHeaders headers) {
        SessionRequest request = parse(body);
        String invite = request == null || request.invite() == null || request.invite().isBlank() ? null : request.invite().strip();
        if (invite != null && invite.length() > MAX_INVITE) return ApiError.badRequest("invite is longer than " + MAX_INVITE + " characters");
        Caller caller = auth.identify(headers);
        Rater rater;
        if (invite != null) {
            directory.awaitLoaded();
            rater = directory.byInvite(invite).orElseThrow(() -> new Auth.AuthException(ApiError.Code.UNAUTHORIZED,
                    "this invite link is not known here: ask the admin for a new one"));
            if (rater.isRevoked()) throw new Auth.AuthException(ApiError.Code.FORBIDDEN, "this invite was revoked by the admin");
        } else if (auth.inviteOnly()) {
            throw new Auth.AuthException(ApiError.Code.UNAUTHORIZED,
                    "this loop is invite-only: open the invite link the admin gave you (or send {\"invite\": CODE})");
        } else {
            rater = directory.publish(Rater.anonymous(newRaterId(), Instant.now()));
        }
        String token = auth.issueRaterToken(rater.raterId());
        return Response.status(Response.Status.CREATED)
                .entity(new Session(rater.raterId(), rater.name(), token, caller.isAdmin(), mode()))
                .header("Set-Cookie", cookie(Auth.SESSION_COOKIE, token, auth.sessionLifetime().toSeconds()))
                .header("Cache-Control", "no-store")
                .build();
    }

    /** Who the caller is: 200 with its rater (and whether it is the admin), 401 without a session. */
    @GET
    public Response who(@Context HttpHeaders headers) {
        Caller caller = auth.identify(headers);
        if (caller.raterId() != null && directory.isRevoked(caller.raterId())) throw revoked();
        if (caller.raterId() == null && !caller.isAdmin()) throw Auth.unauthenticated(caller);
        String name = caller.raterId() == null ? null : directory.find(caller.raterId()).map(Rater::name).orElse(null);
        return Response.ok(new Session(caller.raterId(), name, null, caller.isAdmin(), mode())).header("Cache-Control", "no-store").build();
    }

    /** Forgets this browser's session and admin cookies (the rater itself stays; the admin revokes raters). */
    @DELETE
    public Response close() {
        return Response.noContent()
                .header("Set-Cookie", cookie(Auth.SESSION_COOKIE, "", 0))
                .header("Set-Cookie", cookie(Auth.ADMIN_COOKIE, "", 0))
                .build();
    }

    /** The body is optional (a browser in local mode sends none): empty or {} opens an anonymous session. */
    private static SessionRequest parse(String body) {
        if (body == null || body.isBlank()) return null;
        try {
            return dev.rlhfloop.contracts.Json.MAPPER.readValue(body, SessionRequest.class);
        } catch (java.io.IOException e) {
            throw new jakarta.ws.rs.BadRequestException("the body must be empty or a JSON object like {\"invite\": \"CODE\"}");
        }
    }

    static Auth.AuthException revoked() {
        return new Auth.AuthException(ApiError.Code.UNAUTHORIZED, "this rater was revoked by the admin");
    }

    private String mode() {
        return auth.mode().name().toLowerCase(Locale.ROOT);
    }

    /** HttpOnly: page scripts never read it; SameSite=Strict: another site's page cannot vote with it. */
    static String cookie(String name, String value, long maxAgeSeconds) {
        return name + "=" + value + "; Path=/; Max-Age=" + maxAgeSeconds + "; HttpOnly; SameSite=Strict";
    }

    static String newRaterId() {
        byte[] bytes = new byte[8];
        RANDOM.nextBytes(bytes);
        return "r-" + HexFormat.of().formatHex(bytes);
    }
}
