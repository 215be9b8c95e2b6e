package dev.rlhfloop.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code llm export}: the feedback on the stack's Kafka topics as JSON Lines, through the public
 * API's streaming export ({@code GET /api/export/{what}.jsonl}).
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Write the preference pairs, votes, thumbs or generations of a running stack as JSON Lines "
                + "(with --format trl: TRL's prompt/chosen/rejected for pairs, its KTO prompt/completion/label for thumbs).")
public final class ExportCommand extends StackCommand {

    enum What { pairs, votes, thumbs, generations }

    enum Format { jsonl, trl }

    @Option(names = "--what", required = true, paramLabel = "pairs|votes|thumbs|generations", description = "Which topic to export.")
    What what;

    @Option(names = "--format", defaultValue = "jsonl", paramLabel = "jsonl|trl",
            description = "jsonl: every field with its lineage (versions, rater, vote or thumbs, offsets); trl: prompt, chosen, rejected "
                    + "for pairs, prompt, completion, label for thumbs (what `llm kto` reads). Default: ${DEFAULT-VALUE}.")
    Format format;

    @Option(names = "--from", paramLabel = "ISO", description = "Only records written from this instant on, e.g. 2026-12-06T07:00:00Z.")
    String from;

    @Option(names = "--pseudonymise", description = "Replace rater ids by ids that are stable within this export only.")
    boolean pseudonymise;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Where to write the JSON Lines.")
    Path out;

    @Override
    int run(PrintWriter stdout, PrintWriter err) {
        if (format == Format.trl && what != What.pairs && what != What.thumbs) {
            throw new UserError("--format trl is for --what pairs or thumbs only");
        }
        if (from != null) {
            try {
                Instant.parse(from);
            } catch (DateTimeParseException e) {
                throw new UserError("--from " + from + " is not an ISO-8601 instant such as 2026-12-06T07:00:00Z");
            }
        }
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) throw new UserError("--out " + out + ": no directory " + parent);
        String path = "/api/export/" + what + ".jsonl?format=" + format + (pseudonymise ? "&pseudonymise=true" : "")
                + (from == null ? "" : "&from=" + from);
        PublicApiClient.Download download;
        try {
            download = adminClient().download(path, out);
        } catch (PublicApiClient.Unreachable e) {
            throw new UserError(e.getMessage());
        }
        if (!download.ok()) throw new UserError("the export was refused: " + download.reason());
        stdout.printf("%d %s written to %s (%s)%n", download.lines(), what, out, format);
        return 0;
    }
}
