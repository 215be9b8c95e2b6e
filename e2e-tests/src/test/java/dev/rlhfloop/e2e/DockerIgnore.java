package dev.rlhfloop.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The rules of a {@code .dockerignore}: which paths of the build context Docker leaves out. Docker's
 * matching: one pattern a line, {@code #} comments, {@code *} and {@code ?} within one path element,
 * {@code **} across any number of them, a later {@code !pattern} taking a path back, and a path
 * left out whenever one of its parent folders is.
 */
final class DockerIgnore {

    private record Rule(Pattern pattern, boolean exception) {}

    private final List<Rule> rules;

    private DockerIgnore(List<Rule> rules) {
        this.rules = rules;
    }

    static DockerIgnore read(Path file) throws IOException {
        List<Rule> rules = new ArrayList<>();
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file)) {
                String text = line.strip();
                if (text.isEmpty() || text.startsWith("#")) continue;
                boolean exception = text.startsWith("!");
                String pattern = (exception ? text.substring(1) : text).strip();
                pattern = pattern.replaceAll("^/+", "").replaceAll("/+$", "");
                rules.add(new Rule(Pattern.compile(toRegex(pattern)), exception));
            }
        }
        return new DockerIgnore(rules);
    }

    /** Whether Docker leaves {@code relativePath} (slash-separated, from the context root) out of the context. */
    boolean excludes(String relativePath) {
        String path = relativePath.replace('\\', '/');
        for (int slash = path.indexOf('/'); slash >= 0; slash = path.indexOf('/', slash + 1)) {
            if (matches(path.substring(0, slash))) return true;
        }
        return matches(path);
    }

    private boolean matches(String path) {
        boolean excluded = false;
        for (Rule rule : rules) {
            if (rule.pattern().matcher(path).matches()) excluded = !rule.exception();
        }
        return excluded;
    }

    private static String toRegex(String glob) {
        StringBuilder regex = new StringBuilder();
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            if (glob.startsWith("**/", i)) {
                regex.append("(?:.*/)?");
                i += 2;
            } else if (glob.startsWith("**", i)) {
                regex.append(".*");
                i += 1;
            } else if (c == '*') {
                regex.append("[^/]*");
            } else if (c == '?') {
                regex.append("[^/]");
            } else {
                regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return regex.toString();
    }
}
