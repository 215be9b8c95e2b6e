package dev.rlhfloop.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code llm replay}: rebuilds a model line from the feedback log through the public API
 * ({@code POST /api/replays}, then {@code GET /api/replays} for its progress), beside the live line.
 */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = "Replay the preference log into a new model line (beside the live one) and follow its progress.")
public final class ReplayCommand extends StackCommand {
    /** As the trainer checks it: a path segment and a version-id prefix. */
    private static final Pattern LINE = Pattern.compile("[a-z0-9][a-z0-9_-]{0,39}");
    private static final Pattern OFFSETS = Pattern.compile("(\\d+)-(\\d*)");
    private static final Pattern PARTITION_OFFSETS = Pattern.compile("(\\d+):(\\d+)-(\\d*)");
    private static final Duration POLL = Duration.ofSeconds(1);

    @ArgGroup(exclusive = true, multiplicity = "1")
    From from;

    static final class From {
        @Option(names = "--from-beginning", description = "Replay every preference pair.")
        boolean beginning;

        @Option(names = "--from-timestamp", paramLabel = "ISO", description = "Replay the pairs from this instant on, e.g. 2026-11-29T12:00:00Z.")
        String timestamp;

        @Option(names = "--offsets", paramLabel = "START-END|P:START-END,...",
                description = "Replay offsets START (inclusive) to END (exclusive; empty: to the end) of every partition of rlhf.preference-pairs, "
                        + "e.g. 0-80 or 40-; or per partition, e.g. 0:4-9,1:0-4,2:2-6 (a partition left out is not read).")
        String offsets;
    }

    @Option(names = "--parent", paramLabel = "VERSION",
            description = "The version the new line starts from, e.g. 7 (default: the SFT model, version 1).")
    String parent;

    @Option(names = "--line", description = "The new line's name: 1-40 lower-case letters, digits, '-' or '_' (default: the trainer picks replay-N).")
    String line;

    @Option(names = "--algorithm", paramLabel = "dpo|rloo",
            description = "How the new line updates its policy: dpo or rloo (default: the trainer's rlhf.trainer.algorithm).")
    String algorithm;

    @Option(names = "--no-wait", description = "Start the replay and return without following it.")
    boolean noWait;

    @Option(names = "--wait", defaultValue = "1800", description = "Seconds to follow the replay before giving up on it (default: ${DEFAULT-VALUE}).")
    int waitSeconds;

    @Override
    int run(PrintWriter out, PrintWriter err) {
        String body = requestBody().toString();
        if (waitSeconds <= 0) throw new UserError("--wait must be positive, was " + waitSeconds);
        PublicApiClient api = adminClient();
        try {
            PublicApiClient.Response started = api.post("/api/replays", body);
            if (started.status() == 409) {
                err.println("llm replay: the trainer is busy, try again when it is done: " + started.reason());
                return 1;
            }
            if (!started.ok() || started.json() == null || !started.json().hasNonNull("id")) {
                err.println("llm replay: POST /api/replays was refused: " + started.reason());
                return 1;
            }
            JsonNode replay = started.json();
            String id = replay.get("id").asText();
            String parentVersion = replay.path("parent").asText("");
            out.printf("replay %s into line %s started at %s (%s)%s%n", id, replay.path("line").asText(), api.base(), describe(replay),
                    parentVersion.isEmpty() ? "" : " from " + RateCommand.versionLabel(parentVersion));
            out.flush();
            if (noWait) {
                out.printf("not waiting: follow it with GET %s/api/replays or on the dashboard%n", api.base());
                return 0;
            }
            return follow(api, id, out, err);
        } catch (PublicApiClient.Unreachable e) {
            out.flush();
            err.println("llm replay: " + e.getMessage());
            return 1;
        }
    }

    /** The body of {@code POST /api/replays} (docs/web-api.md); bad options are named before anything is sent. */
    ObjectNode requestBody() {
        ObjectNode body = PublicApiClient.JSON.createObjectNode();
        if (from.beginning) {
            body.put("from", "BEGINNING");
        } else if (from.timestamp != null) {
            try {
                body.put("from", "TIMESTAMP").put("timestamp", Instant.parse(from.timestamp).toString());
            } catch (DateTimeParseException e) {
                throw new UserError("--from-timestamp must be an ISO-8601 instant such as 2026-11-29T12:00:00Z, was '" + from.timestamp + "'");
            }
        } else if (from.offsets.contains(":")) {
            perPartitionOffsets(body);
        } else {
            Matcher m = OFFSETS.matcher(from.offsets);
            if (!m.matches()) {
                throw new UserError("--offsets must be START-END, START- (every partition of rlhf.preference-pairs, e.g. 0-80) "
                        + "or P:START-END,... (per partition, e.g. 0:4-9,1:0-4), was '" + from.offsets + "'");
            }
            long start;
            Long end;
            try {
                start = Long.parseLong(m.group(1));
                end = m.group(2).isEmpty() ? null : Long.parseLong(m.group(2));
            } catch (NumberFormatException e) {
                throw new UserError("--offsets " + from.offsets + ": an offset is too large");
            }
            if (end != null && end <= start) throw new UserError("--offsets " + from.offsets + ": END must be greater than START");
            body.put("from", "OFFSETS").put("fromOffset", start);
            if (end != null) body.put("toOffset", end);
        }
        if (parent != null) {
            if (parent.isBlank()) throw new UserError("--parent must name a version, e.g. 7");
            body.put("parent", parent.startsWith("v") && parent.substring(1).matches("\\d+") ? parent.substring(1) : parent);
        }
        if (line != null) {
            if (!LINE.matcher(line).matches()) {
                throw new UserError("--line must be 1-40 lower-case letters, digits, '-' or '_', starting with a letter or digit; was '" + line + "'");
            }
            body.put("line", line);
        }
        if (algorithm != null) {
            String name = algorithm.toUpperCase(java.util.Locale.ROOT);
            if (!name.equals("DPO") && !name.equals("RLOO")) throw new UserError("--algorithm must be dpo or rloo, was '" + algorithm + "'");
            body.put("algorithm", name);
        }
        return body;
    }

    /**
     * {@code P:START-END,...}: a range per partition ({@code P:START-} reads to the end); a
     * partition left out is not read, so a version's exact batch can be named.
     */
    private void perPartitionOffsets(ObjectNode body) {
        ObjectNode fromOffsets = PublicApiClient.JSON.createObjectNode();
        ObjectNode toOffsets = PublicApiClient.JSON.createObjectNode();
        for (String range : from.offsets.split(",")) {
            Matcher m = PARTITION_OFFSETS.matcher(range.strip());
            if (!m.matches()) {
                throw new UserError("--offsets must be START-END, START- (every partition of rlhf.preference-pairs, e.g. 0-80) "
                        + "or P:START-END,... (per partition, e.g. 0:4-9,1:0-4), was '" + from.offsets + "'");
            }
            String partition = m.group(1);
            if (fromOffsets.has(partition)) throw new UserError("--offsets " + from.offsets + ": partition " + partition + " is named twice");
            long start;
            try {
                start = Long.parseLong(m.group(2));
                if (!m.group(3).isEmpty()) {
                    long end = Long.parseLong(m.group(3));
                    if (end < start) throw new UserError("--offsets " + range + ": END must not be before START");
                    toOffsets.put(partition, end);
                }
            } catch (NumberFormatException e) {
                throw new UserError("--offsets " + range + ": an offset is too large");
            }
            fromOffsets.put(partition, start);
        }
        body.put("from", "OFFSETS").set("fromOffsets", fromOffsets);
        if (!toOffsets.isEmpty()) body.set("toOffsets", toOffsets);
    }

    /** Polls the replay once a second, printing a line whenever it moved, until it is done or failed. */
    private int follow(PublicApiClient api, String id, PrintWriter out, PrintWriter err) {
        long deadline = System.nanoTime() + Duration.ofSeconds(waitSeconds).toNanos();
        String shown = null;
        while (true) {
            PublicApiClient.Response r = api.get("/api/replays");
            if (!r.ok() || r.json() == null) {
                err.println("llm replay: GET /api/replays failed: " + r.reason());
                return 1;
            }
            JsonNode replay = find(r.json(), id);
            if (replay == null) {
                err.println("llm replay: the trainer no longer knows replay " + id + " (was it restarted?)");
                return 1;
            }
            String state = replay.path("state").asText();
            String now = progress(replay);
            if (!now.equals(shown)) {
                out.println("  " + now);
                out.flush();
                shown = now;
            }
            switch (state) {
                case "DONE" -> {
                    List<String> versions = versions(replay);
                    out.printf("done: line %s has %d version(s)%s%n", replay.path("line").asText(), versions.size(),
                            versions.isEmpty() ? " (no pairs in the range)" : ": " + String.join(", ", versions));
                    comparisons(replay).forEach(out::println);
                    return 0;
                }
                case "FAILED" -> {
                    err.println("llm replay: replay " + id + " failed: " + replay.path("error").asText("no reason given"));
                    return 1;
                }
                default -> { }
            }
            if (System.nanoTime() > deadline) {
                err.println("llm replay: replay " + id + " is still running after " + waitSeconds + " s (" + now
                        + "); it goes on in the trainer: follow it with GET /api/replays");
                return 1;
            }
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 1;
            }
        }
    }

    private static JsonNode find(JsonNode replays, String id) {
        JsonNode list = replays.isArray() ? replays : replays.path("replays");
        for (JsonNode replay : list) {
            if (id.equals(replay.path("id").asText())) return replay;
        }
        return null;
    }

    private static String describe(JsonNode replay) {
        String algorithm = replay.path("algorithm").asText("");
        return startOf(replay) + (algorithm.isEmpty() ? "" : ", " + algorithm);
    }

    /**
     * One line per run of versions with the same outcome against the versions they rebuild, e.g.
     * {@code v2 … v25: identical to live}; a different outcome starts a new line with its reason.
     */
    static List<String> comparisons(JsonNode replay) {
        String follows = replay.path("follows").asText("live");
        List<String> lines = new ArrayList<>();
        List<String> run = new ArrayList<>();
        String runKey = null;
        String runText = null;
        for (JsonNode c : replay.path("comparisons")) {
            String result = c.path("result").asText();
            String reason = c.path("reason").asText("");
            String label = c.hasNonNull("rebuilds") ? RateCommand.versionLabel(c.path("rebuilds").asText()) : c.path("version").asText();
            String text = switch (result) {
                case "IDENTICAL" -> "identical to " + follows;
                case "DIFFERS" -> "differ from " + follows + " (" + reason + ")";
                case "NOT_COMPARABLE" -> "not comparable with " + follows + " (" + reason + ")";
                default -> "new: past the versions of " + follows;
            };
            String key = result + "|" + reason;
            if (!key.equals(runKey) && !run.isEmpty()) {
                lines.add(span(run) + ": " + runText);
                run.clear();
            }
            runKey = key;
            runText = text;
            run.add(label);
        }
        if (!run.isEmpty()) lines.add(span(run) + ": " + runText);
        return lines;
    }

    private static String span(List<String> labels) {
        if (labels.size() == 1) return labels.get(0);
        if (labels.size() == 2) return labels.get(0) + ", " + labels.get(1);
        return labels.get(0) + " … " + labels.get(labels.size() - 1);
    }

    private static String startOf(JsonNode replay) {
        return switch (replay.path("from").asText()) {
            case "TIMESTAMP" -> "pairs from " + replay.path("timestamp").asText();
            case "OFFSETS" -> replay.has("fromOffsets") ? "offsets " + partitionRanges(replay)
                    : "offsets " + replay.path("fromOffset").asText() + "-" + replay.path("toOffset").asText("end");
            default -> "every pair";
        };
    }

    private static String partitionRanges(JsonNode replay) {
        List<String> ranges = new ArrayList<>();
        replay.path("fromOffsets").fields().forEachRemaining(e -> ranges.add(e.getKey() + ":" + e.getValue().asText() + "-"
                + replay.path("toOffsets").path(e.getKey()).asText("end")));
        return String.join(",", ranges);
    }

    private static String progress(JsonNode replay) {
        long consumed = replay.path("consumed").asLong();
        long total = replay.path("total").asLong();
        List<String> versions = versions(replay);
        return String.format("%-7s %s pairs%s", replay.path("state").asText(), bar(consumed, total),
                versions.isEmpty() ? "" : " · versions " + String.join(", ", versions));
    }

    private static String bar(long done, long total) {
        if (total <= 0) return done + "/?";
        int width = 20;
        int filled = (int) Math.min(width, width * done / total);
        return "[" + "#".repeat(filled) + " ".repeat(width - filled) + "] " + done + "/" + total;
    }

    private static List<String> versions(JsonNode replay) {
        List<String> versions = new ArrayList<>();
        replay.path("versions").forEach(v -> versions.add(RateCommand.versionLabel(v.asText())));
        return versions;
    }
}
