package dev.rlhfloop.cli;

import dev.rlhfloop.llm.tokenizer.BpeTokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code llm detokenize}: token ids on stdin (a JSON array or a comma list), text out. */
@Command(name = "detokenize", mixinStandardHelpOptions = true,
        description = "Reads token ids on stdin (a JSON array such as [15496, 11] or a comma list) and prints the text.")
public final class DetokenizeCommand implements Callable<Integer> {

    @Mixin
    TokenizerOption tokenizerOption;

    @Override
    public Integer call() throws IOException {
        try {
            BpeTokenizer tokenizer = tokenizerOption.load();
            int[] ids = parseIds(TextInput.utf8(System.in.readAllBytes(), "stdin"));
            for (int i = 0; i < ids.length; i++) {
                if (!tokenizer.hasToken(ids[i])) {
                    throw new UserError("stdin: unknown token id " + ids[i] + " at position " + i
                            + " (" + tokenizerOption.tokenizer + " has ids 0.." + (tokenizer.vocabSize() - 1) + ")");
                }
            }
            System.out.write(tokenizer.decode(ids).getBytes(StandardCharsets.UTF_8));
            System.out.flush();
            return 0;
        } catch (UserError e) {
            System.err.println("llm detokenize: " + e.getMessage());
            return UserError.EXIT_CODE;
        }
    }

    /** Ids separated by commas and/or whitespace, optionally inside one pair of brackets. */
    static int[] parseIds(String input) {
        String body = input.strip();
        boolean bracketed = body.startsWith("[");
        if (bracketed != body.endsWith("]") || body.equals("[")) {
            throw new UserError("stdin: expected a JSON array of token ids like [15496, 11] or a comma list like 15496,11");
        }
        int leading = input.length() - input.stripLeading().length();
        int line = 1 + (int) input.substring(0, leading).chars().filter(c -> c == '\n').count();
        if (bracketed) {
            body = body.substring(1, body.length() - 1);
        }
        List<Integer> ids = new ArrayList<>();
        StringBuilder number = new StringBuilder();
        for (int i = 0; i <= body.length(); i++) {
            char c = i < body.length() ? body.charAt(i) : ',';
            if (c == ',' || Character.isWhitespace(c)) {
                if (number.length() > 0) {
                    ids.add(parseId(number.toString(), line));
                    number.setLength(0);
                }
                if (c == '\n') {
                    line++;
                }
            } else {
                number.append(c);
            }
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    private static int parseId(String token, int line) {
        try {
            return Integer.parseInt(token);
        } catch (NumberFormatException e) {
            throw new UserError("stdin:" + line + ": '" + token + "' is not a token id");
        }
    }
}
