package dev.rlhfloop.cli;

import dev.rlhfloop.contracts.Json;
import dev.rlhfloop.contracts.api.PairsImport;
import dev.rlhfloop.contracts.api.PairsImported;
import dev.rlhfloop.llm.data.AlpacaFormat;
import dev.rlhfloop.llm.data.PreferenceData;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code llm import --pairs FILE}: preference pairs from a file onto the stack's pairs topic, through
 * the feedback service's admin endpoint ({@code POST /api/import/pairs}), so a line can start from
 * existing data. The file is the book's JSON (instruction, input, chosen, rejected) or JSON Lines with
 * TRL's prompt / chosen / rejected (what {@code llm export --format trl} writes). Every request stays
 * under the gateway's 64 KiB body cap, so a large file goes as several requests, each all or nothing.
 */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = "Send a preference file (the book's JSON, or JSON Lines with prompt/chosen/rejected) to a running stack, "
                + "which publishes the pairs for the trainer (admin).")
public final class ImportCommand extends StackCommand {
    /** Under the gateway's and the services' 64 KiB cap, with room for the request's own fields. */
    static final int MAX_REQUEST_BYTES = 60 * 1024;

    @Option(names = "--pairs", required = true, paramLabel = "FILE", description = "The preference file.")
    Path file;

    @Override
    int run(PrintWriter out, PrintWriter err) {
        List<PreferenceData.Located> entries;
        try {
            entries = PreferenceData.readLocated(file);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        } catch (IOException e) {
            throw new UserError("cannot read " + file + ": " + e.getMessage());
        }
        String source = file.getFileName().toString();
        List<List<PairsImport.ImportedPair>> batches = batches(source, entries.stream().map(ImportCommand::pair).toList());
        PublicApiClient api = adminClient();
        int imported = 0;
        for (List<PairsImport.ImportedPair> batch : batches) {
            PublicApiClient.Response<PairsImported> answer;
            try {
                answer = api.importPairs(new PairsImport(source, batch));
            } catch (PublicApiClient.Unreachable e) {
                throw new UserError(e.getMessage() + (imported > 0 ? " (" + imported + " pair(s) were imported before)" : ""));
            }
            if (!answer.ok()) {
                throw new UserError("the pairs from line " + batch.get(0).line() + " on were refused: " + answer.reason()
                        + (imported > 0 ? "; the " + imported + " pair(s) before line " + batch.get(0).line() + " are imported" : ""));
            }
            imported += answer.value().pairs();
        }
        out.printf("%d pair(s) from %s imported in %d request(s)%n", imported, file, batches.size());
        return 0;
    }

    /** The book's instruction alone is the prompt; with an input the whole SFT prompt is (the trainer uses such a prompt as it is). */
    private static PairsImport.ImportedPair pair(PreferenceData.Located entry) {
        var e = entry.example();
        String prompt = e.input().isEmpty() ? e.instruction() : AlpacaFormat.prompt(e.instruction(), e.input());
        return new PairsImport.ImportedPair(entry.line(), prompt, e.chosen(), e.rejected());
    }

    /** Consecutive pairs in requests whose bodies stay under {@link #MAX_REQUEST_BYTES}. */
    static List<List<PairsImport.ImportedPair>> batches(String source, List<PairsImport.ImportedPair> pairs) {
        int overhead = bytes(new PairsImport(source, List.of())) + 16;
        List<List<PairsImport.ImportedPair>> batches = new ArrayList<>();
        List<PairsImport.ImportedPair> batch = new ArrayList<>();
        int size = overhead;
        for (PairsImport.ImportedPair pair : pairs) {
            int bytes = bytes(pair) + 1;
            if (overhead + bytes > MAX_REQUEST_BYTES) {
                throw new UserError("line " + pair.line() + ": the pair takes " + bytes + " bytes, more than one request may ("
                        + MAX_REQUEST_BYTES + ")");
            }
            if (size + bytes > MAX_REQUEST_BYTES || batch.size() == 1000) {
                batches.add(batch);
                batch = new ArrayList<>();
                size = overhead;
            }
            batch.add(pair);
            size += bytes;
        }
        if (!batch.isEmpty()) batches.add(batch);
        return batches;
    }

    private static int bytes(Object value) {
        return Json.writeString(value).getBytes(StandardCharsets.UTF_8).length;
    }
}
