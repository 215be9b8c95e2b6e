package dev.rlhfloop.service.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SessionTokensTest {
    private static final byte[] SECRET = "a-secret-of-enough-bytes".getBytes(StandardCharsets.UTF_8);
    private static final Instant NOW = Instant.parse("2026-12-06T12:00:00Z");
    private final SessionTokens tokens = new SessionTokens(SECRET, Clock.fixed(NOW, ZoneOffset.UTC));

    @Test
    void aTokenSaysItsKindAndSubjectUntilItExpires() {
        String token = tokens.issue(SessionTokens.Kind.RATER, "r-0123456789abcdef", Duration.ofDays(1));
        SessionTokens.Claims claims = tokens.verify(token).orElseThrow();
        assertEquals(SessionTokens.Kind.RATER, claims.kind());
        assertEquals("r-0123456789abcdef", claims.subject());
        SessionTokens later = new SessionTokens(SECRET, Clock.fixed(NOW.plus(Duration.ofDays(1)), ZoneOffset.UTC));
        assertTrue(later.verify(token).isEmpty(), "expired");
    }

    @Test
    void aChangedSubjectKindOrSecretIsRefused() {
        String token = tokens.issue(SessionTokens.Kind.RATER, "alice", Duration.ofHours(1));
        assertTrue(tokens.verify(token.replace(".alice.", ".mallory.")).isEmpty());
        assertTrue(tokens.verify(token.replace("rlhf1.r.", "rlhf1.s.")).isEmpty());
        assertTrue(new SessionTokens("another-secret-entirely".getBytes(StandardCharsets.UTF_8)).verify(token).isEmpty());
        assertTrue(tokens.verify("rlhf1.r.alice.9999999999.forged").isEmpty());
        assertTrue(tokens.verify("").isEmpty());
        assertTrue(tokens.verify(null).isEmpty());
        assertThrows(IllegalArgumentException.class, () -> tokens.issue(SessionTokens.Kind.RATER, "a.b", Duration.ofHours(1)));
    }

    @Test
    void secretFilesAreOwnerOnlyAndWrittenOnce(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("auth/admin-token");
        SecretFiles.Secret first = SecretFiles.readOrCreate(file);
        SecretFiles.Secret again = SecretFiles.readOrCreate(file);
        assertTrue(first.created());
        assertEquals(first.value(), again.value());
        assertTrue(!again.created());
        assertEquals(43, first.value().length(), "256 random bits, base64url");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())));
        assertNotEquals(first.value(), SecretFiles.readOrCreate(dir.resolve("other")).value());
    }
}
