package dev.rlhfloop.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;

/**
 * {@code llm raters invite NAME | list | revoke RATER_ID | forget RATER_ID}: the admin's rater management through
 * the public API (docs/security.md). Needs the admin token ({@code --token}, or run/auth/admin-token).
 */
@Command(name = "raters", mixinStandardHelpOptions = true,
        description = "Invite a rater by name (prints the invite link), list raters, revoke one, or forget one: "
                + "revoked, and its votes left out of every statistic, export and later version (admin).")
public final class RatersCommand extends StackCommand {

    @Parameters(index = "0", paramLabel = "invite|list|revoke|forget", description = "What to do.")
    String action;

    @Parameters(index = "1", arity = "0..1", paramLabel = "NAME|RATER_ID", description = "invite: the person's name; revoke, forget: the rater id.")
    String argument;

    @Override
    int run(PrintWriter out, PrintWriter err) {
        PublicApiClient api = adminClient();
        PublicApiClient.Response<?> answer;
        try {
            answer = switch (action) {
                case "invite" -> api.invite(new dev.rlhfloop.contracts.api.InviteRequest(required("NAME")));
                case "list" -> api.raters();
                case "revoke" -> api.revoke(required("RATER_ID"));
                case "forget" -> api.forget(required("RATER_ID"));
                default -> throw new UserError("unknown action '" + action + "': invite NAME, list, revoke RATER_ID, or forget RATER_ID");
            };
        } catch (PublicApiClient.Unreachable e) {
            err.println("llm raters: " + e.getMessage());
            return 1;
        }
        if (!answer.ok()) {
            err.println("llm raters: " + action + " was refused: " + answer.reason());
            return 1;
        }
        JsonNode json = answer.json();
        switch (action) {
            case "invite" -> out.printf("invited %s as %s: %s%s%n(the link is shown once; it signs %s in on any device until revoked)%n",
                    json.path("name").asText(), json.path("raterId").asText(), api.base(), json.path("invitePath").asText(), json.path("name").asText());
            case "list" -> {
                for (JsonNode r : json) {
                    out.printf("%-20s %-24s %s%s%n", r.path("raterId").asText(), r.path("name").asText(r.path("invited").asBoolean() ? "" : "(anonymous)"),
                            r.path("createdAt").asText(), r.hasNonNull("forgottenAt") ? "  forgotten " + r.path("forgottenAt").asText()
                                    : r.hasNonNull("revokedAt") ? "  revoked " + r.path("revokedAt").asText() : "");
                }
                out.printf("%d rater(s)%n", json.size());
            }
            case "forget" -> out.printf("forgot %s: revoked, and its votes no longer count in statistics, exports or new versions%n",
                    json.path("raterId").asText());
            default -> out.printf("revoked %s%n", json.path("raterId").asText());
        }
        return 0;
    }

    private String required(String what) {
        if (argument == null || argument.isBlank()) throw new UserError(action + " needs " + what);
        return argument.strip();
    }
}
