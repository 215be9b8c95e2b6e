package dev.rlhfloop.service.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signed, self-contained credentials: {@code rlhf1.<kind>.<subject>.<expires>.<HMAC-SHA256>}. Any
 * service that reads the session secret can check one without asking another service, so the
 * gateway refuses a forged or expired token early and feedback-service takes a vote's rater from it.
 * Revocation is not in the token: the rater directory (rlhf.raters) says who is revoked.
 */
public final class SessionTokens {
    /** Who a token speaks for: a rater's session, or one service calling another. */
    public enum Kind {
        RATER("r"), SERVICE("s");

        private final String tag;

        Kind(String tag) {
            this.tag = tag;
        }

        static Optional<Kind> ofTag(String tag) {
            for (Kind k : values()) if (k.tag.equals(tag)) return Optional.of(k);
            return Optional.empty();
        }
    }

    /** What a valid token says. */
    public record Claims(Kind kind, String subject, Instant expiresAt) {}

    /** Rater ids and service names: safe in a token, a cookie, a log line and a Kafka key. */
    public static final Pattern SUBJECT = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final String PREFIX = "rlhf1";
    private static final int MIN_SECRET_BYTES = 16;

    private final byte[] secret;
    private final Clock clock;
    /** One keyed MAC per thread: looking the algorithm up and keying it for every request cost more than the signature. */
    private final ThreadLocal<Mac> macs;

    public SessionTokens(byte[] secret, Clock clock) {
        if (secret.length < MIN_SECRET_BYTES) {
            throw new IllegalArgumentException("the session secret must have at least " + MIN_SECRET_BYTES + " bytes");
        }
        this.secret = secret.clone();
        this.clock = clock;
        this.macs = ThreadLocal.withInitial(this::newMac);
    }

    public SessionTokens(byte[] secret) {
        this(secret, Clock.systemUTC());
    }

    public String issue(Kind kind, String subject, Duration lifetime) {
        if (!SUBJECT.matcher(subject).matches()) throw new IllegalArgumentException("not a valid subject: " + subject);
        long expires = clock.instant().plus(lifetime).getEpochSecond();
        String payload = PREFIX + "." + kind.tag + "." + subject + "." + expires;
        return payload + "." + sign(payload);
    }

    /** The token's claims when its signature is right and it has not expired; empty otherwise. */
    public Optional<Claims> verify(String token) {
        if (token == null || token.length() > 512) return Optional.empty();
        String[] parts = token.split("\\.", -1);
        if (parts.length != 5 || !parts[0].equals(PREFIX)) return Optional.empty();
        String payload = String.join(".", parts[0], parts[1], parts[2], parts[3]);
        if (!MessageDigest.isEqual(sign(payload).getBytes(StandardCharsets.US_ASCII), parts[4].getBytes(StandardCharsets.US_ASCII))) {
            return Optional.empty();
        }
        Optional<Kind> kind = Kind.ofTag(parts[1]);
        long expires;
        try {
            expires = Long.parseLong(parts[3]);
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        Instant expiresAt = Instant.ofEpochSecond(expires);
        if (kind.isEmpty() || !clock.instant().isBefore(expiresAt) || !SUBJECT.matcher(parts[2]).matches()) return Optional.empty();
        return Optional.of(new Claims(kind.get(), parts[2], expiresAt));
    }

    private String sign(String payload) {
        // doFinal resets the MAC for the next payload, keeping its key
        return Base64.getUrlEncoder().withoutPadding().encodeToString(macs.get().doFinal(payload.getBytes(StandardCharsets.UTF_8)));
    }

    private Mac newMac() {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
