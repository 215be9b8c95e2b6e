package dev.rlhfloop.service.testing;

import dev.rlhfloop.service.auth.SessionTokens;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Credentials for tests: every service's {@code %test} profile reads the same session secret and
 * admin token as these constants, so a test can act as a named rater or as the admin.
 */
public final class TestSessions {
    public static final String SECRET = "test-session-secret-not-for-production";
    public static final String ADMIN_TOKEN = "test-admin-token-not-for-production";
    private static final SessionTokens TOKENS = new SessionTokens(SECRET.getBytes(StandardCharsets.UTF_8));

    private TestSessions() {}

    /** "Bearer ..." for rater {@code raterId}, as POST /api/session would have issued. */
    public static String rater(String raterId) {
        return "Bearer " + TOKENS.issue(SessionTokens.Kind.RATER, raterId, Duration.ofHours(1));
    }

    public static String admin() {
        return "Bearer " + ADMIN_TOKEN;
    }

    public static String service(String name) {
        return "Bearer " + TOKENS.issue(SessionTokens.Kind.SERVICE, name, Duration.ofHours(1));
    }
}
