package dev.rlhfloop.e2e;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The instructions of a Dockerfile, stage by stage, read the way Docker reads them (line
 * continuations, comments, exec and shell forms, {@code FROM image AS name}), so tests can check
 * the file and run its commands outside Docker. Covers the instructions this project's Dockerfile
 * uses; anything else is kept as a plain instruction and a test that needs it will say so.
 */
record ParsedDockerfile(List<Stage> stages) {

    record Instruction(String keyword, String arguments, int line) {}

    record Copy(Optional<String> fromStage, List<String> sources, String destination) {}

    record Stage(String name, String base, List<Instruction> instructions) {

        List<Instruction> all(String keyword) {
            return instructions.stream().filter(i -> i.keyword().equals(keyword)).toList();
        }

        /** The last WORKDIR of this stage itself ({@link ParsedDockerfile#workdir} follows the stages it builds on). */
        Optional<String> ownWorkdir() {
            List<Instruction> workdirs = all("WORKDIR");
            return workdirs.isEmpty() ? Optional.empty() : Optional.of(workdirs.get(workdirs.size() - 1).arguments());
        }

        /** The RUN commands as a shell would run them, without BuildKit's {@code --mount} and similar flags. */
        List<String> runCommands() {
            List<String> commands = new ArrayList<>();
            for (Instruction run : all("RUN")) {
                String command = run.arguments();
                while (command.startsWith("--")) {
                    int end = command.indexOf(' ');
                    command = end < 0 ? "" : command.substring(end + 1).strip();
                }
                commands.add(command.startsWith("[") ? String.join(" ", execForm(command, run.line())) : command);
            }
            return commands;
        }

        List<Copy> copies() {
            List<Copy> copies = new ArrayList<>();
            for (Instruction copy : all("COPY")) {
                List<String> words = new ArrayList<>(List.of(copy.arguments().split("\\s+")));
                Optional<String> from = Optional.empty();
                while (!words.isEmpty() && words.get(0).startsWith("--")) {
                    String flag = words.remove(0);
                    if (flag.startsWith("--from=")) from = Optional.of(flag.substring("--from=".length()));
                }
                if (words.size() < 2) throw new IllegalArgumentException("line " + copy.line() + ": COPY needs a source and a destination");
                copies.add(new Copy(from, List.copyOf(words.subList(0, words.size() - 1)), words.get(words.size() - 1)));
            }
            return copies;
        }

        Map<String, String> ownEnvironment() {
            Map<String, String> env = new LinkedHashMap<>();
            for (Instruction instruction : all("ENV")) {
                Matcher pair = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)=(\"[^\"]*\"|\\S*)").matcher(instruction.arguments());
                boolean any = false;
                while (pair.find()) {
                    String value = pair.group(2);
                    env.put(pair.group(1), value.startsWith("\"") ? value.substring(1, value.length() - 1) : value);
                    any = true;
                }
                if (!any) throw new IllegalArgumentException("line " + instruction.line() + ": write ENV as KEY=value");
            }
            return env;
        }

        List<Integer> exposedPorts() {
            List<Integer> ports = new ArrayList<>();
            for (Instruction expose : all("EXPOSE")) {
                for (String port : expose.arguments().split("\\s+")) ports.add(Integer.parseInt(port.replace("/tcp", "")));
            }
            return ports;
        }
    }

    static ParsedDockerfile read(Path file) throws IOException {
        List<Stage> stages = new ArrayList<>();
        String name = null;
        String base = null;
        List<Instruction> instructions = null;
        List<String> lines = Files.readAllLines(file);
        for (int i = 0; i < lines.size(); i++) {
            int first = i + 1;
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            StringBuilder joined = new StringBuilder();
            while (line.endsWith("\\")) {
                joined.append(line, 0, line.length() - 1).append(' ');
                do {
                    line = ++i < lines.size() ? lines.get(i).strip() : "";
                } while (line.startsWith("#"));
            }
            joined.append(line);
            String text = joined.toString().strip();
            int space = text.indexOf(' ');
            String keyword = (space < 0 ? text : text.substring(0, space)).toUpperCase(Locale.ROOT);
            String arguments = space < 0 ? "" : text.substring(space + 1).strip();
            if (keyword.equals("FROM")) {
                if (instructions != null) stages.add(new Stage(name, base, List.copyOf(instructions)));
                String[] words = arguments.split("\\s+");
                base = words[0];
                name = words.length == 3 && words[1].equalsIgnoreCase("AS") ? words[2] : "stage-" + stages.size();
                instructions = new ArrayList<>();
            } else if (instructions == null) {
                if (!keyword.equals("ARG")) throw new IllegalArgumentException(file + ":" + first + ": " + keyword + " before the first FROM");
            } else {
                instructions.add(new Instruction(keyword, arguments, first));
            }
        }
        if (instructions == null) throw new IllegalArgumentException(file + ": no FROM");
        stages.add(new Stage(name, base, List.copyOf(instructions)));
        return new ParsedDockerfile(List.copyOf(stages));
    }

    Stage stage(String name) {
        return stages.stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("the Dockerfile has no stage named " + name));
    }

    Optional<Stage> parent(Stage stage) {
        return stages.stream().filter(s -> s.name().equals(stage.base())).findFirst();
    }

    /** The image a stage starts from, following stages built on other stages. */
    String baseImage(Stage stage) {
        return parent(stage).map(this::baseImage).orElse(stage.base());
    }

    String workdir(Stage stage) {
        return stage.ownWorkdir().orElseGet(() -> parent(stage).map(this::workdir).orElse("/"));
    }

    Map<String, String> environment(Stage stage) {
        Map<String, String> env = new LinkedHashMap<>(parent(stage).map(this::environment).orElse(Map.of()));
        env.putAll(stage.ownEnvironment());
        return env;
    }

    /** The command a container of this stage runs: ENTRYPOINT followed by CMD, each inherited if not set, exec form only. */
    List<String> startCommand(Stage stage) {
        List<String> command = new ArrayList<>(lastExecForm(stage, "ENTRYPOINT"));
        command.addAll(lastExecForm(stage, "CMD"));
        if (command.isEmpty()) throw new AssertionError("stage " + stage.name() + " has neither ENTRYPOINT nor CMD");
        return command;
    }

    private List<String> lastExecForm(Stage stage, String keyword) {
        List<Instruction> own = stage.all(keyword);
        if (own.isEmpty()) return parent(stage).map(p -> lastExecForm(p, keyword)).orElse(List.of());
        Instruction last = own.get(own.size() - 1);
        if (!last.arguments().startsWith("[")) {
            throw new AssertionError("line " + last.line() + ": " + keyword + " in shell form; the exec form lets the JVM receive SIGTERM");
        }
        return execForm(last.arguments(), last.line());
    }

    private static List<String> execForm(String json, int line) {
        try {
            return List.of(new ObjectMapper().readValue(json, String[].class));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("line " + line + ": not a JSON list of strings: " + json, e);
        }
    }
}
