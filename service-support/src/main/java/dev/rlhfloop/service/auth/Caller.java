package dev.rlhfloop.service.auth;

/**
 * Who sent a request, as its credentials prove: nobody, a rater (with the id from its session), the
 * admin, or another service. {@code problem} says why presented credentials were not accepted.
 */
public record Caller(Role role, String raterId, String problem) {
    public enum Role { ANONYMOUS, RATER, ADMIN, SERVICE }

    public static final Caller ANONYMOUS = new Caller(Role.ANONYMOUS, null, null);

    public static Caller rater(String raterId) {
        return new Caller(Role.RATER, raterId, null);
    }

    public static Caller refused(String problem) {
        return new Caller(Role.ANONYMOUS, null, problem);
    }

    public boolean isAdmin() {
        return role == Role.ADMIN;
    }

    public boolean isRater() {
        return role == Role.RATER;
    }
}
