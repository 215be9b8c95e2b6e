package dev.rlhfloop.cli;

import dev.rlhfloop.llm.tokenizer.BpeTokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code llm tokenize}: text on stdin, token ids out as one JSON array. */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = "Reads UTF-8 text on stdin and prints its token ids as one JSON array.")
public final class TokenizeCommand implements Callable<Integer> {

    @Mixin
    TokenizerOption tokenizerOption;

    @Option(names = "--allowed-special", defaultValue = "none", paramLabel = "all|none|LIST",
            description = "Special tokens whose text maps to their id (all, none, or a comma list such as <|endoftext|>). "
                    + "By default special-token text is tokenized as ordinary text.")
    String allowedSpecial;

    @Override
    public Integer call() throws IOException {
        try {
            BpeTokenizer tokenizer = tokenizerOption.load();
            Set<String> allowed = allowedSpecial(tokenizer);
            String text = TextInput.utf8(System.in.readAllBytes(), "stdin");
            int[] ids = tokenizer.encode(text, allowed);
            StringBuilder json = new StringBuilder(ids.length * 7 + 3).append('[');
            for (int i = 0; i < ids.length; i++) {
                if (i > 0) {
                    json.append(", ");
                }
                json.append(ids[i]);
            }
            json.append("]\n");
            System.out.write(json.toString().getBytes(StandardCharsets.UTF_8));
            System.out.flush();
            return 0;
        } catch (UserError e) {
            System.err.println("llm tokenize: " + e.getMessage());
            return UserError.EXIT_CODE;
        }
    }

    private Set<String> allowedSpecial(BpeTokenizer tokenizer) {
        switch (allowedSpecial) {
            case "none":
                return Set.of();
            case "all":
                return tokenizer.specialTokens().keySet();
            default:
                Set<String> names = new LinkedHashSet<>();
                for (String name : allowedSpecial.split(",")) {
                    if (!tokenizer.specialTokens().containsKey(name.trim())) {
                        throw new UserError("--allowed-special: " + name.trim() + " is not a special token of "
                                + tokenizerOption.tokenizer + " (it has " + tokenizer.specialTokens().keySet() + ")");
                    }
                    names.add(name.trim());
                }
                return names;
        }
    }
}
