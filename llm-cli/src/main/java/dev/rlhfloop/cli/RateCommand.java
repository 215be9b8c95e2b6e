package dev.rlhfloop.cli;

import dev.rlhfloop.cli.PublicApiClient.Response;
import dev.rlhfloop.contracts.Choice;
import dev.rlhfloop.contracts.api.ComparisonCreated;
import dev.rlhfloop.contracts.api.ComparisonView;
import dev.rlhfloop.contracts.api.CreateComparison;
import dev.rlhfloop.contracts.api.SessionRequest;
import dev.rlhfloop.contracts.api.VoteAccepted;
import dev.rlhfloop.contracts.api.VoteRequest;
import dev.rlhfloop.llm.data.builtin.RaterRules;
import dev.rlhfloop.llm.data.builtin.RaterRules.Preference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * {@code llm rate}: a simulated rater for demos and tests. It votes through the public HTTP API only
 * (as a person in the browser would): asks for a comparison on a prompt from the pool, waits for
 * both answers, judges them by a rule the model never sees, votes, and keeps a running share of
 * answers that satisfy the rule per model version (revealed after each vote). If the loop works,
 * that share rises from version to version. Each simulated rater opens its own session
 * ({@code POST /api/session}, or with {@code --invite} in team mode): the server names the rater.
 */
@Command(name = "rate", mixinStandardHelpOptions = true,
        description = "Vote on comparisons through the public API by a hidden rule (a simulated rater).")
public final class RateCommand extends StackCommand {

    @Option(names = "--votes", defaultValue = "20", description = "How many votes to cast (default: ${DEFAULT-VALUE}).")
    int votes;

    @Option(names = "--rule", defaultValue = "animal", description = "animal: prefer the answer that mentions the animal the prompt names; "
            + "shorter: prefer the shorter answer; colour: prefer the answer that names a colour; "
            + "number: prefer the answer that holds a number (default: ${DEFAULT-VALUE}).")
    String rule;

    @Option(names = "--raters", defaultValue = "1", description = "How many simulated raters take turns, each with its own session (default: ${DEFAULT-VALUE}).")
    int raters;

    @Option(names = "--invite", description = "In team mode (RLHF_AUTH=invite): the code of an invite link (/?invite=CODE) to open the session with.")
    String invite;

    @Option(names = "--max-words", defaultValue = "12", description = "With --rule shorter: an answer satisfies the rule with at most this many words (default: ${DEFAULT-VALUE}).")
    int maxWords;

    @Option(names = "--mode", description = "Which versions answer, as POST /api/comparisons names it: e.g. line-vs-line (the live line's "
            + "latest against a line the admin serves beside it); absent: the service's mode.")
    String mode;

    @Option(names = "--wait", defaultValue = "300", description = "Seconds to wait for a model (while bootstrapping) and for each comparison's answers (default: ${DEFAULT-VALUE}).")
    int waitSeconds;

    @Override
    int run(PrintWriter out, PrintWriter err) {
        Rule judge = Rule.parse(rule, maxWords);
        if (votes <= 0) throw new UserError("--votes must be positive, was " + votes);
        if (waitSeconds <= 0) throw new UserError("--wait must be positive, was " + waitSeconds);
        if (raters <= 0) throw new UserError("--raters must be positive, was " + raters);
        if (invite != null && raters > 1) throw new UserError("--invite signs in one rater: use it with --raters 1");
        Tally tally = new Tally();
        List<Session> sessions = new ArrayList<>();
        if (mode != null && !mode.matches(CreateComparison.MODES)) {
            throw new UserError("--mode must be one of " + CreateComparison.MODES.replace("|", ", ") + ", was '" + mode + "'");
        }
        for (int i = 0; i < raters; i++) {
            sessions.add(new Session(client(), judge, Duration.ofSeconds(waitSeconds), tally, invite).comparing(mode));
        }
        out.printf("rating %d comparison(s) at %s as %d rater(s) by the rule: %s%n", votes, sessions.get(0).base, raters, judge.description());
        out.flush();
        try {
            for (int i = 1; i <= votes; i++) {
                Session session = sessions.get((i - 1) % raters);
                Vote vote = session.rateOne(message -> {
                    out.println("  " + message);
                    out.flush();
                });
                out.printf("%3d/%d %s  by %s%n", i, votes, vote.line(), session.raterId());
                out.printf("        rule share: %s%n", tally.summary());
                out.flush();
            }
        } catch (RaterException e) {
            out.flush();
            err.println("llm rate: " + e.getMessage());
            return 1;
        }
        out.printf("done: %d vote(s); answers satisfying the rule, per version: %s%n", votes, tally.summary());
        return 0;
    }

    /** A rule the model cannot see: which answer a rater prefers, and whether one answer satisfies it. */
    public interface Rule {
        String description();

        /** TIE or BOTH_BAD when the rule does not decide between {@code a} and {@code b}. */
        String choose(String prompt, String a, String b);

        boolean satisfiedBy(String prompt, String answer);

        /** A rule of {@link RaterRules#rule} by name (animal, shorter, colour, number). */
        static Rule parse(String name, int maxWords) {
            if (maxWords <= 0) throw new UserError("--max-words must be positive, was " + maxWords);
            RaterRules.Rule rule = RaterRules.rule(name, maxWords).orElseThrow(() -> new UserError(
                    "--rule must be one of " + String.join(", ", RaterRules.RULE_NAMES) + ", was '" + name + "'"));
            return new Rule() {
                public String description() {
                    return rule.description();
                }

                public String choose(String prompt, String a, String b) {
                    return choice(rule.choose(prompt, a, b));
                }

                public boolean satisfiedBy(String prompt, String answer) {
                    return rule.satisfiedBy(prompt, answer);
                }
            };
        }

        private static String choice(Preference preference) {
            return switch (preference) {
                case FIRST -> "A";
                case SECOND -> "B";
                case TIE -> "TIE";
                case BOTH_BAD -> "BOTH_BAD";
            };
        }
    }

    /** One answer of a rated comparison, with the version revealed after the vote ("?" if none was). */
    public record RatedAnswer(String slot, String text, String modelVersion, boolean satisfiesRule) {}

    /** What the rule chose between a comparison's answers (slot → text), before any vote. */
    public record Judgement(String comparisonId, String prompt, Map<String, String> texts, String choice, Instant requestedAt) {
        public Judgement {
            texts = java.util.Collections.unmodifiableMap(new TreeMap<>(texts));   // in slot order
        }
    }

    /** One vote cast: what was asked, what was chosen, when the comparison was asked for and when the vote was acknowledged. */
    public record Vote(String comparisonId, String prompt, String choice, List<RatedAnswer> answers,
                       Instant requestedAt, Instant acknowledgedAt) {
        String line() {
            String shown = answers.stream()
                    .map(a -> a.slot() + "=" + versionLabel(a.modelVersion()) + (a.satisfiesRule() ? " ✓" : " ✗"))
                    .collect(Collectors.joining("  "));
            return String.format("%-8s %s  \"%s\"  (%s)", choice, comparisonId, abbreviate(prompt, 60), shown);
        }
    }

    /** Answers seen and answers satisfying the rule, per model version, in order of first appearance. */
    public static final class Tally {
        private final Map<String, int[]> counts = new LinkedHashMap<>();

        synchronized void add(RatedAnswer answer) {
            int[] c = counts.computeIfAbsent(answer.modelVersion(), v -> new int[2]);
            c[0]++;
            if (answer.satisfiesRule()) c[1]++;
        }

        /** Version → {answers, satisfying}. */
        public synchronized Map<String, int[]> counts() {
            Map<String, int[]> copy = new LinkedHashMap<>();
            counts.forEach((v, c) -> copy.put(v, c.clone()));
            return copy;
        }

        public synchronized double share(String version) {
            int[] c = counts.get(version);
            return c == null || c[0] == 0 ? Double.NaN : (double) c[1] / c[0];
        }

        public synchronized String summary() {
            if (counts.isEmpty()) return "no answers yet";
            return counts.entrySet().stream()
                    .map(e -> String.format(Locale.ROOT, "%s %.0f%% (%d/%d)", versionLabel(e.getKey()),
                            100.0 * e.getValue()[1] / e.getValue()[0], e.getValue()[1], e.getValue()[0]))
                    .collect(Collectors.joining(" · "));
        }
    }

    /** The rater failed for a reason a person can act on (service down, request refused, no answers in time). */
    public static final class RaterException extends RuntimeException {
        RaterException(String message) {
            super(message);
        }
    }

    /** A rater talking to one stack: usable in-process (tests) as well as from the command. */
    public static final class Session {
        private static final Duration POLL = Duration.ofMillis(200);
        private final URI base;
        private final PublicApiClient api;
        private final Rule rule;
        private final Duration patience;
        private final Tally tally;
        private final String invite;
        private volatile String raterId;
        private volatile String mode;

        /**
         * A rater of its own: its session is opened at the first request (anonymous, as the
         * browser's in local mode).
         *
         * @throws IllegalArgumentException when {@code base} is not an http://host:port URL
         */
        public Session(URI base, Rule rule, Duration patience) {
            this(new PublicApiClient(base.toString()), rule, patience, new Tally(), null);
        }

        /** @param invite an invite code (team mode), or null for an anonymous session */
        Session(PublicApiClient api, Rule rule, Duration patience, Tally tally, String invite) {
            this.api = api;
            this.base = api.base();
            this.rule = rule;
            this.patience = patience;
            this.tally = tally;
            this.invite = invite;
        }

        public Tally tally() {
            return tally;
        }

        /** Asks for comparisons in {@code mode} (as POST /api/comparisons names it, e.g. line-vs-line); null: the service's. */
        public Session comparing(String mode) {
            this.mode = mode;
            return this;
        }

        /** The rater id the server gave this session (opening it if need be). */
        public String raterId() {
            openSession();
            return raterId;
        }

        private synchronized void openSession() {
            if (raterId != null) return;
            Response<dev.rlhfloop.contracts.api.Session> opened = exchange(() -> api.openSession(new SessionRequest(invite)));
            if (opened.status() != 201 && opened.status() != 200 || opened.json() == null || !opened.json().hasNonNull("token")) {
                String hint = opened.status() == 401 && invite == null ? " (an invite-only stack: pass --invite CODE from the admin's invite link)" : "";
                throw new RaterException("no rater session: POST /api/session was refused: " + opened.reason() + hint);
            }
            dev.rlhfloop.contracts.api.Session session = opened.value();
            api.authorize(session.token());
            raterId = session.raterId();
        }

        /** Creates a comparison, waits for both answers, votes by the rule, and reads which versions answered. */
        public Vote rateOne(java.util.function.Consumer<String> progress) {
            Judgement judged = judgeOne(progress);
            VoteRequest vote = new VoteRequest(judged.comparisonId(), Choice.valueOf(judged.choice()),
                    "simulated rater: " + rule.description());
            long deadline = System.nanoTime() + patience.toNanos();
            Response<VoteAccepted> voted = exchange(() -> api.vote(vote));
            while (voted.status() == 429 && System.nanoTime() < deadline) {
                progress.accept("slowing down: " + voted.reason());
                sleep(voted.retryAfterOr(Duration.ofSeconds(1)));
                voted = exchange(() -> api.vote(vote));
            }
            if (voted.status() != 202 && voted.status() != 200) {
                throw new RaterException("the vote on " + judged.comparisonId() + " was refused: " + voted.reason());
            }
            Instant acknowledged = Instant.now();
            Map<String, String> versions = awaitRevealedVersions(judged.comparisonId());

            List<RatedAnswer> answers = new ArrayList<>();
            for (var entry : judged.texts().entrySet()) {
                String slot = entry.getKey();
                RatedAnswer answer = new RatedAnswer(slot, entry.getValue(), versions.getOrDefault(slot, "?"),
                        rule.satisfiedBy(judged.prompt(), entry.getValue()));
                answers.add(answer);
                tally.add(answer);
            }
            return new Vote(judged.comparisonId(), judged.prompt(), judged.choice(), List.copyOf(answers),
                    judged.requestedAt(), acknowledged);
        }

        /**
         * Creates a comparison, waits for both answers and judges them by the rule, without voting:
         * the answers stay anonymous and nothing is trained on them (a measurement of the served model).
         */
        public Judgement judgeOne(java.util.function.Consumer<String> progress) {
            openSession();
            long deadline = System.nanoTime() + patience.toNanos();
            Instant requested = Instant.now();
            ComparisonCreated created = createComparison(deadline, progress);
            String id = created.id();
            String prompt = created.prompt();
            Map<String, String> texts = awaitAnswers(id, deadline);
            String choice = rule.choose(prompt, texts.getOrDefault("A", ""), texts.getOrDefault("B", ""));
            return new Judgement(id, prompt, texts, choice, requested);
        }

        private ComparisonCreated createComparison(long deadline, java.util.function.Consumer<String> progress) {
            boolean told = false;
            while (true) {
                Response<ComparisonCreated> r = exchange(() -> api.createComparison(new CreateComparison(null, null, mode)));
                if (r.status() == 200 || r.status() == 201) {
                    ComparisonCreated created = value(r);
                    if (created == null || created.id() == null) {
                        throw new RaterException("POST /api/comparisons answered without an id: " + r.body());
                    }
                    return created;
                }
                // A limit or a full generation queue: wait as long as the server asks, then try again.
                if ((r.status() == 429 || r.code().equals("overloaded")) && System.nanoTime() < deadline) {
                    progress.accept("slowing down: " + r.reason());
                    sleep(r.retryAfterOr(Duration.ofSeconds(1)));
                    continue;
                }
                boolean waitable = r.status() == 503 && List.of("no_model", "trainer_busy").contains(r.code());
                if (!waitable) throw new RaterException("POST /api/comparisons failed: " + r.reason());
                if (System.nanoTime() > deadline) {
                    throw new RaterException("no model to answer within " + patience.toSeconds() + " s: " + r.reason());
                }
                if (!told) progress.accept("waiting for a model: " + r.reason());
                told = true;
                sleep(Duration.ofSeconds(2));
            }
        }

        /** Polls the comparison until every answer is done; slot → full text. */
        private Map<String, String> awaitAnswers(String id, long deadline) {
            while (true) {
                Response<ComparisonView> r = exchange(() -> api.comparison(id));
                if (r.status() != 200) throw new RaterException("GET /api/comparisons/" + id + " failed: " + r.reason());
                List<ComparisonView.Answer> answers = value(r).answers();
                Map<String, String> texts = new TreeMap<>();
                boolean allDone = !answers.isEmpty();
                for (ComparisonView.Answer answer : answers) {
                    texts.put(answer.slot().name(), answer.text() == null ? "" : answer.text());
                    allDone &= answer.done();
                }
                if (allDone) return texts;
                if (System.nanoTime() > deadline) {
                    throw new RaterException("the answers of comparison " + id + " were not done within "
                            + patience.toSeconds() + " s");
                }
                sleep(POLL);
            }
        }

        /** After a vote: the versions are in the vote's answer, or shortly in the comparison (≈3 s, as the browser does). */
        private Map<String, String> awaitRevealedVersions(String id) {
            long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
            Map<String, String> versions = Map.of();
            while (System.nanoTime() < deadline) {
                Response<ComparisonView> r = exchange(() -> api.comparison(id));
                if (r.status() == 200) {
                    ComparisonView comparison = value(r);
                    versions = revealedVersions(comparison);
                    if (versions.size() == comparison.answers().size()) return versions;
                }
                sleep(POLL);
            }
            return versions;
        }

        private static Map<String, String> revealedVersions(ComparisonView comparison) {
            Map<String, String> versions = new TreeMap<>();
            for (ComparisonView.Answer answer : comparison.answers()) {
                if (answer.modelVersion() != null) versions.put(answer.slot().name(), answer.modelVersion());
            }
            return versions;
        }

        /** One request through the client, its failure to get an answer as a {@link RaterException}. */
        private static <T> Response<T> exchange(java.util.function.Supplier<Response<T>> request) {
            try {
                return request.get();
            } catch (PublicApiClient.Unreachable e) {
                throw new RaterException(e.getMessage());
            }
        }

        private static <T> T value(Response<T> answer) {
            try {
                return answer.value();
            } catch (PublicApiClient.Unreachable e) {
                throw new RaterException(e.getMessage());
            }
        }

        private static void sleep(Duration d) {
            try {
                Thread.sleep(d.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RaterException("interrupted");
            }
        }
    }

    static String versionLabel(String version) {
        return version.matches("\\d+") ? "v" + version : version;
    }

    private static String abbreviate(String text, int max) {
        return PublicApiClient.abbreviate(text, max);
    }
}
