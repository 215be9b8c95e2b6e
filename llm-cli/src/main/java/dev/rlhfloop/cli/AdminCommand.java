package dev.rlhfloop.cli;

import dev.rlhfloop.contracts.LineControl;
import dev.rlhfloop.contracts.api.LineControlRequest;
import dev.rlhfloop.contracts.api.LineControlView;
import dev.rlhfloop.contracts.api.LineServing;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code llm admin pin V | unpin | pause | resume | keep N|all | show}: the admin's controls of a model
 * line through the public API ({@code GET}, then {@code PUT /api/lines/{line}/control}; docs/operations.md).
 * Each verb changes one setting and keeps the others as the stack has them. {@code llm admin serve LINE | unserve LINE}
 * serves a replay's line beside the live one for line-vs-line comparisons, or stops ({@code POST}/{@code DELETE /api/lines/{line}/serve}).
 */
@Command(name = "admin", mixinStandardHelpOptions = true,
        description = "Pin the served version (roll back) or unpin it, pause or resume training, set how many versions stay on disk, "
                + "or show them; serve a replay's line beside the live one for line-vs-line comparisons, or stop (admin).")
public final class AdminCommand extends StackCommand {

    @Parameters(index = "0", paramLabel = "pin|unpin|pause|resume|keep|show|serve|unserve", description = "What to do.")
    String action;

    @Parameters(index = "1", arity = "0..1", paramLabel = "VERSION|N|LINE", description = "pin: the version, e.g. 3; keep: a count (at least "
            + LineControl.RESIDENT_VERSIONS + ") or all; serve, unserve: the line, e.g. rloo-replay.")
    String argument;

    @Option(names = "--line", defaultValue = "live", description = "The model line (default: ${DEFAULT-VALUE}).")
    String line;

    @Override
    int run(PrintWriter out, PrintWriter err) {
        if (action.equals("serve") || action.equals("unserve")) return serve(out, err);
        if (!java.util.List.of("pin", "unpin", "pause", "resume", "keep", "show").contains(action)) {
            throw new UserError("unknown action '" + action + "': pin VERSION, unpin, pause, resume, keep N|all, show, serve LINE or unserve LINE");
        }
        if (!action.equals("show")) next(LineControlView.of(LineControl.none(line)), action, argument); // bad input fails before a request
        PublicApiClient api = action.equals("show") ? showingClient() : adminClient();
        try {
            PublicApiClient.Response<LineControlView> now = api.lineControl(line);
            if (!now.ok()) {
                err.println("llm admin: line " + line + ": " + now.reason());
                return 1;
            }
            LineControlView control = now.value();
            if (!action.equals("show")) {
                PublicApiClient.Response<LineControlView> set = api.setLineControl(line, next(control, action, argument));
                if (!set.ok()) {
                    err.println("llm admin: " + action + " was refused: " + set.reason());
                    return 1;
                }
                control = set.value();
            }
            out.println(describe(control));
            return 0;
        } catch (PublicApiClient.Unreachable e) {
            err.println("llm admin: " + e.getMessage());
            return 1;
        }
    }

    /** serve LINE, unserve LINE: one request, then one line saying what is served beside the live line now. */
    private int serve(PrintWriter out, PrintWriter err) {
        String served = required(action, argument, "LINE, e.g. rloo-replay");
        try {
            PublicApiClient.Response<LineServing> answer = adminClient().serveLine(served, action.equals("serve"));
            if (!answer.ok()) {
                err.println("llm admin: " + action + " " + served + " was refused: " + answer.reason());
                return 1;
            }
            out.println(describe(answer.value()));
            return 0;
        } catch (PublicApiClient.Unreachable e) {
            err.println("llm admin: " + e.getMessage());
            return 1;
        }
    }

    /** One line: "line rloo-replay: served beside the live line (rloo-replay-4 answers in line-vs-line comparisons) · served: rloo-replay". */
    static String describe(LineServing serving) {
        return "line " + serving.line() + ": " + (serving.served()
                ? "served beside the live line (" + (serving.answeringVersion() == null ? "no version yet" : serving.answeringVersion())
                + " answers in line-vs-line comparisons)" : "not served beside the live line")
                + " · lines served beside live: " + (serving.servedLines().isEmpty() ? "none" : String.join(", ", serving.servedLines()));
    }

    /** show reads: with the admin token where there is one (an invite-only stack lets only sessions read), else without. */
    private PublicApiClient showingClient() {
        try {
            return adminClient();
        } catch (UserError noToken) {
            return client();
        }
    }

    /** The whole control to store: {@code current} with the one setting {@code action} changes. */
    static LineControlRequest next(LineControlView current, String action, String argument) {
        return switch (action) {
            case "pin" -> new LineControlRequest(required(action, argument, "VERSION").replaceFirst("^v", ""), current.paused(),
                    current.versionsKept());
            case "unpin" -> new LineControlRequest(null, current.paused(), current.versionsKept());
            case "pause" -> new LineControlRequest(current.pinnedVersion(), true, current.versionsKept());
            case "resume" -> new LineControlRequest(current.pinnedVersion(), false, current.versionsKept());
            case "keep" -> new LineControlRequest(current.pinnedVersion(), current.paused(), count(required(action, argument, "N or all")));
            default -> throw new UserError("unknown action '" + action + "'");
        };
    }

    private static Integer count(String text) {
        if (text.equals("all")) return null;
        try {
            int n = Integer.parseInt(text);
            if (n >= LineControl.RESIDENT_VERSIONS) return n;
        } catch (NumberFormatException e) {
            // said below
        }
        throw new UserError("keep needs a count of at least " + LineControl.RESIDENT_VERSIONS
                + " (every inference instance keeps the newest " + LineControl.RESIDENT_VERSIONS + " resident) or all, was '" + text + "'");
    }

    private static String required(String action, String argument, String what) {
        if (argument == null || argument.isBlank()) throw new UserError(action + " needs " + what);
        return argument.strip();
    }

    /** One line: "line live: serving v3 (pinned) · training paused · keeping the newest 5 versions (and the first and pinned)". */
    static String describe(LineControlView control) {
        return "line " + control.line() + ": "
                + (control.pinnedVersion() == null ? "serving the newest version" : "serving v" + control.pinnedVersion() + " (pinned)")
                + " · training " + (control.paused() ? "paused" : "running")
                + " · " + (control.versionsKept() == null ? "keeping every version"
                : "keeping the newest " + control.versionsKept() + " versions (and the first and the pinned one)")
                + (control.served() ? " · served beside the live line" : "");
    }
}
