package dev.rlhfloop.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.rlhfloop.service.auth.Auth;
import dev.rlhfloop.service.auth.SessionTokens;
import dev.rlhfloop.service.testing.TestSessions;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A scripted stand-in for inference, feedback and trainer that speaks exactly the public API the
 * browser app expects (docs/web-api.md), so the pages can be tested in a real browser while the
 * real services are being built. Its answers are fixed text, its statistics fixed counts plus the
 * votes it receives: it checks the UI, not the model. RateFlowBrowserIT runs the same flows
 * against the real stack.
 */
public class ServicesStandIn implements QuarkusTestResourceLifecycleManager {

    static final ObjectMapper JSON = new ObjectMapper();
    /** A prompt for which answer B comes back empty, as a model that ends at once writes it. */
    static final String SILENT_PROMPT = "Say nothing at all.";
    static final List<String> POOL = List.of(
            "Name an animal that lives in the sea.", "Write a haiku about autumn.", "What is the capital of France?");

    /** When true the trainer is still bootstrapping: no model, comparisons answer 503 no_model. */
    static volatile boolean bootstrapping = false;

    /**
     * When true the live line also has v4, an RLOO version (rlhf.trainer.algorithm=rloo): no DPO loss or margin;
     * then v5 PPO, v6 GRPO and v7 KTO, each with its own metrics as the trainer publishes them.
     */
    static volatile boolean rlooVersion = false;

    /**
     * When set, this text is what users and data put everywhere the dashboard and replay pages show
     * free text: a replay line's name, its version labels, parent, algorithm, error and verdict
     * reasons, a rater's name and id, a version's line ({@code HostileTextBrowserTest}).
     */
    static volatile String hostile = null;
    /** When true (with {@link #hostile}), the trainer's routes answer errors whose reason is that text. */
    static volatile boolean hostileErrors = false;
    static final List<Map<String, Object>> votes = new CopyOnWriteArrayList<>();
    static final List<Map<String, Object>> replays = new CopyOnWriteArrayList<>();
    /** Thumbs on single answers as feedback-service's POST /api/thumbs/{comparisonId}/{slot} took them: the first per rater and answer. */
    static final Map<String, Map<String, Object>> thumbs = new ConcurrentHashMap<>();
    /** The bodies of POST /api/chat, in order. */
    static final List<Map<String, Object>> chats = new CopyOnWriteArrayList<>();
    private static final Map<String, Map<String, Object>> comparisons = new ConcurrentHashMap<>();
    private static final AtomicInteger ids = new AtomicInteger();
    /** The live line's control as the trainer's PUT /api/lines/live/control stored it (null values: the newest, every version). */
    static final Map<String, Object> lineControl = new ConcurrentHashMap<>(Map.of("paused", false));
    /** The lines served beside the live one (POST /api/lines/{line}/serve), and the mode each POST /api/comparisons named. */
    static final Set<String> servedLines = ConcurrentHashMap.newKeySet();
    static final List<String> comparisonModes = new CopyOnWriteArrayList<>();
    private static final Set<String> CHOICES = Set.of("A", "B", "TIE", "BOTH_BAD");

    private HttpServer server;
    private ExecutorService executor;
    private final Instant started = Instant.now();

    @Override
    public Map<String, String> start() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        executor = Executors.newCachedThreadPool();
        server.setExecutor(executor);
        server.createContext("/api/comparisons", ex -> handle(ex, this::comparisons));
        server.createContext("/api/chat", ex -> handle(ex, ServicesStandIn::chat));
        server.createContext("/api/votes", ex -> handle(ex, this::vote));
        server.createContext("/api/thumbs", ex -> handle(ex, this::thumbs));
        server.createContext("/api/session", ex -> handle(ex, this::session));
        server.createContext("/api/stats", ex -> handle(ex, this::stats));
        server.createContext("/api/models", ex -> handle(ex, this::models));
        server.createContext("/api/training", ex -> handle(ex, this::training));
        server.createContext("/api/replays", ex -> handle(ex, this::replays));
        server.createContext("/api/raters", ex -> handle(ex, this::raters));
        server.createContext("/api/lines", ex -> handle(ex, this::lineControl));
        server.createContext("/q/health", ex -> handle(ex, e -> send(e, 200, Map.of("status", "UP", "checks", List.of()))));
        server.start();
        String url = "http://127.0.0.1:" + server.getAddress().getPort();
        return Map.of("rlhf.services.inference", url, "rlhf.services.feedback", url, "rlhf.services.trainer", url);
    }

    interface Handler {
        void handle(HttpExchange ex) throws IOException;
    }

    private static void handle(HttpExchange ex, Handler handler) {
        try (ex) {
            handler.handle(ex);
        } catch (IOException | RuntimeException e) {
            // the browser closed a stream, or a test ended mid-request
        }
    }

    // ---------------------------------------------------------------- inference

    private void comparisons(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        if (ex.getRequestMethod().equals("POST") && path.equals("/api/comparisons")) {
            if (bootstrapping) {
                send(ex, 503, error("no_model", "No model yet: the trainer is bootstrapping (pretraining, 45%)"));
                return;
            }
            JsonNode body = body(ex);
            comparisonModes.add(body.path("mode").asText(""));
            String prompt = body.hasNonNull("prompt") ? body.get("prompt").asText() : POOL.get(ids.get() % POOL.size());
            String id = "cmp-" + ids.incrementAndGet();
            Map<String, Object> c = new ConcurrentHashMap<>();
            c.put("id", id);
            c.put("prompt", prompt);
            c.put("A", "You asked: " + prompt + "\nThe octopus lives in the sea; it has three hearts and blue blood.");
            c.put("B", prompt.equals(SILENT_PROMPT) ? "" : "A dolphin <b>swims</b> in the ocean & breathes air.");
            if (body.path("history").size() > 0) {
                // a chat sent to rating: its turns are both sides' shared history
                List<Map<String, Object>> history = new ArrayList<>();
                body.path("history").forEach(t -> history.add(Map.of("prompt", t.path("prompt").asText(),
                        "a", t.path("answer").asText(), "b", t.path("answer").asText())));
                c.put("history", List.copyOf(history));
            }
            comparisons.put(id, c);
            Map<String, Object> created = new LinkedHashMap<>(Map.of("id", id, "prompt", prompt, "answers", answersCreated(c)));
            created.putAll(threadOf(c));
            send(ex, 201, created);
            return;
        }
        String[] parts = path.split("/");           // "", api, comparisons, {id}, [events | turns]
        Map<String, Object> c = parts.length > 3 ? comparisons.get(parts[3]) : null;
        if (c == null) {
            send(ex, 404, error("not_found", "unknown comparison"));
        } else if (parts.length == 5 && parts[4].equals("turns") && ex.getRequestMethod().equals("POST")) {
            followUp(ex, c);
        } else if (parts.length == 5 && parts[4].equals("events")) {
            streamAnswers(ex, c);
        } else {
            boolean voted = votes.stream().anyMatch(v -> c.get("id").equals(v.get("comparisonId")));
            List<Map<String, Object>> answers = new ArrayList<>();
            for (String slot : List.of("A", "B")) {
                Map<String, Object> a = new LinkedHashMap<>(Map.of("slot", slot, "generationId", c.get("id") + "-" + slot,
                        "text", c.get(slot), "done", true, "droppedTurns", slot.equals("A") ? 0 : droppedOfB(c)));
                if (voted) {
                    a.put("modelVersion", slot.equals("A") ? "3" : "0");
                }
                answers.add(a);
            }
            Map<String, Object> view = new LinkedHashMap<>(Map.of("id", c.get("id"), "prompt", c.get("prompt"), "answers", answers));
            view.putAll(threadOf(c));
            send(ex, 200, view);
        }
    }

    /**
     * A follow-up, as inference-service answers it: a new comparison continuing the thread. Its answers
     * count the turn, so a test sees which turn a text belongs to; from the third turn on, side B's
     * oldest turn "did not fit" its context (droppedTurns 1), as a small model's context would cut it.
     */
    @SuppressWarnings("unchecked")
    private static void followUp(HttpExchange ex, Map<String, Object> previous) throws IOException {
        String prompt = body(ex).path("prompt").asText("");
        if (prompt.isBlank()) {
            send(ex, 400, error("bad_request", "prompt is missing"));
            return;
        }
        List<Map<String, Object>> history = new ArrayList<>((List<Map<String, Object>>) previous.getOrDefault("history", List.of()));
        history.add(Map.of("prompt", previous.get("prompt"), "a", previous.get("A"), "b", previous.get("B")));
        int turn = history.size() + 1;
        String id = "cmp-" + ids.incrementAndGet();
        Map<String, Object> c = new ConcurrentHashMap<>();
        c.put("id", id);
        c.put("prompt", prompt);
        c.put("A", "Turn " + turn + " from A: " + prompt);
        c.put("B", "Turn " + turn + " from B, after " + (turn - 1) + " earlier turns.");
        c.put("history", List.copyOf(history));
        c.put("previousId", previous.get("id"));
        comparisons.put(id, c);
        Map<String, Object> created = new LinkedHashMap<>(Map.of("id", id, "prompt", prompt, "answers", answersCreated(c)));
        created.putAll(threadOf(c));
        send(ex, 201, created);
    }

    private static List<Map<String, Object>> answersCreated(Map<String, Object> c) {
        int dropped = droppedOfB(c);
        return List.of(Map.of("slot", "A", "generationId", c.get("id") + "-a", "droppedTurns", 0),
                Map.of("slot", "B", "generationId", c.get("id") + "-b", "droppedTurns", dropped));
    }

    @SuppressWarnings("unchecked")
    private static int droppedOfB(Map<String, Object> c) {
        int earlier = ((List<Object>) c.getOrDefault("history", List.of())).size();
        return earlier >= 2 ? 1 : 0;
    }

    /** The thread fields of a comparison's answer (turn, previousId, history), as inference-service adds them. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> threadOf(Map<String, Object> c) {
        List<Object> history = (List<Object>) c.getOrDefault("history", List.of());
        Map<String, Object> thread = new LinkedHashMap<>();
        thread.put("turn", history.size() + 1);
        if (c.containsKey("previousId")) thread.put("previousId", c.get("previousId"));
        if (!history.isEmpty()) thread.put("history", history);
        return thread;
    }

    /** Chat with one version: the versions to pick from, and the next answer streamed after a start event. */
    private static void chat(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        if (path.equals("/api/chat/versions")) {
            send(ex, 200, Map.of("latest", "3", "versions", List.of("3", "2", "1")));
            return;
        }
        if (!path.equals("/api/chat") || !ex.getRequestMethod().equals("POST")) {
            send(ex, 404, error("not_found", "no route " + path));
            return;
        }
        JsonNode body = body(ex);
        String prompt = body.path("prompt").asText("");
        if (prompt.isBlank()) {
            send(ex, 400, error("bad_request", "prompt is missing"));
            return;
        }
        String version = body.path("version").asText("3");
        int earlier = body.path("history").size();
        chats.add(JSON.convertValue(body, Map.class));
        ex.getResponseHeaders().add("Content-Type", "text/event-stream");
        ex.getResponseHeaders().add("Cache-Control", "no-cache");
        ex.sendResponseHeaders(200, 0);
        OutputStream out = ex.getResponseBody();
        // from the third message on, the oldest turn "did not fit" the context, as a small model's would not
        event(out, "start", Map.of("version", version, "droppedTurns", earlier >= 2 ? 1 : 0));
        String answer = "Reply " + (earlier + 1) + " from v" + version + " to: " + prompt;
        for (String piece : answer.split("(?<= )")) {
            event(out, "token", Map.of("text", piece));
            sleep(20);
        }
        event(out, "done", Map.of("text", answer));
    }

    /** Streams both answers word by word, interleaved, then a done event per answer. */
    private static void streamAnswers(HttpExchange ex, Map<String, Object> c) throws IOException {
        ex.getResponseHeaders().add("Content-Type", "text/event-stream");
        ex.getResponseHeaders().add("Cache-Control", "no-cache");
        ex.sendResponseHeaders(200, 0);
        OutputStream out = ex.getResponseBody();
        String[] a = ((String) c.get("A")).split("(?<= )");
        String[] b = ((String) c.get("B")).split("(?<= )");
        for (int i = 0; i < Math.max(a.length, b.length); i++) {
            if (i < a.length) event(out, "token", Map.of("slot", "A", "text", a[i]));
            if (i < b.length) event(out, "token", Map.of("slot", "B", "text", b[i]));
            sleep(25);
            if (i == b.length - 1) event(out, "done", Map.of("slot", "B", "text", c.get("B")));
        }
        event(out, "done", Map.of("slot", "A", "text", c.get("A")));
    }

    // ---------------------------------------------------------------- feedback

    private void vote(HttpExchange ex) throws IOException {
        JsonNode body = body(ex);
        String id = body.path("comparisonId").asText("");
        String choice = body.path("choice").asText("");
        String reason = body.path("reason").asText("");
        if (!comparisons.containsKey(id)) {
            send(ex, 400, error("bad_request", "unknown comparison '" + id + "'"));
        } else if (!CHOICES.contains(choice)) {
            send(ex, 400, error("bad_request", "choice must be one of A, B, TIE, BOTH_BAD"));
        } else if (reason.length() > 200) {
            send(ex, 400, error("bad_request", "reason is longer than 200 characters"));
        } else if (raterOf(ex) == null) {
            send(ex, 401, error("unauthorized", "no rater session"));
        } else {
            votes.add(Map.of("comparisonId", id, "choice", choice, "rater", raterOf(ex), "reason", reason));
            send(ex, 202, Map.of("comparisonId", id, "choice", choice, "answers",
                    List.of(Map.of("slot", "A", "modelVersion", "3"), Map.of("slot", "B", "modelVersion", "0"))));
        }
    }

    /** feedback-service's POST /api/thumbs/{comparisonId}/{slot}: 202 (a repeat: the first, duplicate), 401, 404, 400. */
    private void thumbs(HttpExchange ex) throws IOException {
        String[] parts = ex.getRequestURI().getPath().split("/");   // "", "api", "thumbs", id, slot
        String id = parts.length == 5 ? parts[3] : "";
        String slot = parts.length == 5 ? parts[4].toUpperCase(java.util.Locale.ROOT) : "";
        String thumb = body(ex).path("thumb").asText("").toUpperCase(java.util.Locale.ROOT);
        String rater = raterOf(ex);
        if (rater == null) {
            send(ex, 401, error("unauthorized", "no rater session"));
        } else if (!slot.equals("A") && !slot.equals("B")) {
            send(ex, 400, error("bad_request", "slot must be A or B, was '" + slot + "'"));
        } else if (!thumb.equals("UP") && !thumb.equals("DOWN")) {
            send(ex, 400, error("bad_request", "thumb: is missing (UP or DOWN)"));
        } else if (!comparisons.containsKey(id)) {
            send(ex, 404, error("not_found", "unknown comparison " + id));
        } else {
            Map<String, Object> taken = Map.of("thumbsId", id + "/" + slot + "/" + rater, "comparisonId", id, "slot", slot, "thumb", thumb,
                    "rater", rater);
            Map<String, Object> first = thumbs.putIfAbsent(id + "/" + slot + "/" + rater, taken);
            Map<String, Object> kept = first != null ? first : taken;
            Map<String, Object> answer = new LinkedHashMap<>(Map.of("thumbsId", kept.get("thumbsId"), "comparisonId", id, "slot", slot,
                    "thumb", kept.get("thumb"), "duplicate", first != null));
            if (first == null) answer.putAll(Map.of("partition", 0, "offset", thumbs.size() - 1));
            send(ex, 202, answer);
        }
    }

    /** feedback-service's /api/session in local mode: POST opens an anonymous session (token and cookie), GET says who is calling. */
    private void session(HttpExchange ex) throws IOException {
        String cookies = ex.getRequestHeaders().getFirst("Cookie");
        boolean admin = TestSessions.ADMIN_TOKEN.equals(Auth.cookie(cookies, Auth.ADMIN_COOKIE));
        if (ex.getRequestMethod().equals("POST")) {
            String raterId = "r-standin-" + ids.incrementAndGet();
            String token = TOKENS.issue(SessionTokens.Kind.RATER, raterId, java.time.Duration.ofHours(1));
            ex.getResponseHeaders().add("Set-Cookie", Auth.SESSION_COOKIE + "=" + token + "; Path=/; HttpOnly; SameSite=Strict");
            Map<String, Object> session = new LinkedHashMap<>(Map.of("raterId", raterId, "token", token, "admin", admin, "mode", "local"));
            send(ex, 201, session);
            return;
        }
        String raterId = raterOf(ex);
        if (raterId == null && !admin) {
            send(ex, 401, error("unauthorized", "no rater session"));
            return;
        }
        Map<String, Object> session = new LinkedHashMap<>(Map.of("admin", admin, "mode", "local"));
        if (raterId != null) session.put("raterId", raterId);
        send(ex, 200, session);
    }

    private static final SessionTokens TOKENS = new SessionTokens(TestSessions.SECRET.getBytes(StandardCharsets.UTF_8));

    /** The rater of the request's bearer token or session cookie, as feedback-service reads it; null without one. */
    private static String raterOf(HttpExchange ex) {
        String authorization = ex.getRequestHeaders().getFirst("Authorization");
        String token = authorization != null && authorization.startsWith("Bearer ") ? authorization.substring(7)
                : Auth.cookie(ex.getRequestHeaders().getFirst("Cookie"), Auth.SESSION_COOKIE);
        return TOKENS.verify(token).map(SessionTokens.Claims::subject).orElse(null);
    }

    /**
     * feedback-service's two stats routes and nothing else under /api/stats. The stream behaves as
     * StatsEvents does: the statistics on connect, again only when they change (checked twice a
     * second here), a comment on a quiet stream, open until the client leaves.
     */
    private void stats(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        if (path.equals("/api/stats/events")) {
            ex.getResponseHeaders().add("Content-Type", "text/event-stream");
            ex.getResponseHeaders().add("Cache-Control", "no-cache");
            ex.sendResponseHeaders(200, 0);
            OutputStream out = ex.getResponseBody();
            String sent = JSON.writeValueAsString(statsNow());
            statsEvent(out, sent);
            long lastWrite = System.nanoTime();
            while (true) {
                sleep(500);
                String now = JSON.writeValueAsString(statsNow());
                if (!now.equals(sent)) {
                    statsEvent(out, now);
                    sent = now;
                    lastWrite = System.nanoTime();
                } else if (System.nanoTime() - lastWrite >= STATS_KEEP_ALIVE_NANOS) {
                    out.write(":keep-alive\n\n".getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    lastWrite = System.nanoTime();
                }
            }
        } else if (path.equals("/api/stats")) {
            send(ex, 200, statsNow());
        } else {
            send(ex, 404, error("not_found", "no route " + path));
        }
    }

    /** The real service's keep-alive period (feedback.stats.events.keep-alive). */
    private static final long STATS_KEEP_ALIVE_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(15);

    private static void statsEvent(OutputStream out, String json) throws IOException {
        out.write(("event: stats\ndata: " + json + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** All-time votes before this run's: far more than the last hour's series, so the dashboard must show the total. */
    static final int EARLIER_VOTES = 1240;

    /** The form of feedback-service's GET /api/stats (checked against the OpenAPI document in PagesBrowserTest). */
    private Map<String, Object> statsNow() {
        if (bootstrapping) {
            return Map.of("totals", Map.of("votes", 0, "decisiveVotes", 0, "raters", 0),
                    "versions", List.of(), "votesPerMinute", List.of(), "leaderboard", List.of(),
                    "raterQuality", Map.of("gold", List.of(), "agreement", Map.of("comparisons", 0, "agreed", 0, "pairs", List.of()),
                            "reliability", List.of()));
        }
        List<Map<String, Object>> versions = List.of(
                versionStats("1", 24, 13, 3), versionStats("2", 31, 19, 4), versionStats("3", 31 + votes.size(), 22 + votes.size(), 2));
        List<Map<String, Object>> perMinute = new ArrayList<>();
        int[] counts = {4, 7, 9, 6, 11, 12, 8, 14, 13, 2 + votes.size()};
        long now = Instant.now().getEpochSecond() / 60 * 60;
        for (int i = 0; i < counts.length; i++) {
            perMinute.add(Map.of("minute", Instant.ofEpochSecond(now - 60L * (counts.length - 1 - i)).toString(), "votes", counts[i]));
        }
        long decisive = votes.stream().filter(v -> v.get("choice").equals("A") || v.get("choice").equals("B")).count();
        long raters = votes.stream().map(v -> v.get("rater")).distinct().count();
        List<Map<String, Object>> leaderboard = new ArrayList<>(List.of(
                rating("3", 1153.2, 1071.5, 1240.8, 31 + votes.size()), rating("2", 1101.7, 1019.0, 1190.3, 31),
                rating("1", 1058.4, 975.1, 1142.9, 24), rating("0", 1000, 1000, 1000, 86 + votes.size())));
        if (hostile != null) {
            versions = new ArrayList<>(versions);
            versions.add(versionStats(hostile, 10, 5, 1));
            leaderboard.add(rating(hostile, 990, 900, 1080, 10));
        }
        return Map.of("totals", Map.of("votes", EARLIER_VOTES + votes.size(), "decisiveVotes", 700 + decisive, "raters", 5 + raters),
                "baselineVersion", "0", "versions", versions, "votesPerMinute", perMinute, "leaderboard", leaderboard,
                "raterQuality", RATER_QUALITY);
    }

    /**
     * Gold accuracy, agreement and reliability as the feedback service reports them (7 of 8 right: Wilson 0.529 – 0.978;
     * ann passed 7 + 8 of 18 checks: r = 18/22, weight 1.27; bob 8 of 10: r = 11/14, weight 1.14).
     */
    private static final Map<String, Object> RATER_QUALITY = Map.of(
            "gold", List.of(Map.of("rater", "rater-ann", "votes", 8, "correct", 7,
                    "accuracy", Map.of("successes", 7, "trials", 8, "rate", 0.875, "low", 0.529, "high", 0.978))),
            "agreement", Map.of("comparisons", 10, "agreed", 8, "kappa", 0.6,
                    "pairs", List.of(Map.of("raterA", "rater-ann", "raterB", "rater-bob", "comparisons", 10, "agreed", 8, "kappa", 0.6))),
            "reliability", List.of(
                    Map.of("rater", "rater-ann", "checks", 18, "passed", 15, "reliability", 18.0 / 22, "weight", (2 * 18.0 / 22 - 1) / 0.5),
                    Map.of("rater", "rater-bob", "checks", 10, "passed", 8, "reliability", 11.0 / 14, "weight", (2 * 11.0 / 14 - 1) / 0.5)));

    private static Map<String, Object> rating(String version, double rating, double low, double high, int games) {
        return Map.of("version", version, "rating", rating, "low", low, "high", high, "games", games, "line", "live");
    }

    /** Win rate against the baseline with a Wilson 95% interval, as the feedback service reports it. */
    private static Map<String, Object> versionStats(String version, int n, int wins, int ties) {
        int losses = n - wins - ties;
        double p = (double) wins / (wins + losses);
        double z = 1.96;
        int trials = wins + losses;
        double centre = (p + z * z / (2 * trials)) / (1 + z * z / trials);
        double half = z * Math.sqrt(p * (1 - p) / trials + z * z / (4.0 * trials * trials)) / (1 + z * z / trials);
        Map<String, Object> stats = new LinkedHashMap<>();
        stats.put("version", version);
        stats.put("votes", n);
        stats.put("wins", wins);
        stats.put("losses", losses);
        stats.put("ties", ties);
        stats.put("bothBad", 0);
        stats.put("tieRate", (double) ties / n);
        stats.put("bothBadRate", 0.0);
        stats.put("winRateVsBaseline", Map.of("successes", wins, "trials", trials, "rate", p, "low", centre - half, "high", centre + half));
        stats.put("against", Map.of("0", Map.of("wins", wins, "losses", losses, "ties", ties, "bothBad", 0)));
        return stats;
    }

    // ---------------------------------------------------------------- trainer

    private void models(HttpExchange ex) throws IOException {
        if (hostileErrors) send(ex, 503, error("service_unavailable", hostile));
        else send(ex, 200, models());
    }

    // ---------------------------------------------------------------- trainer: line control

    private void lineControl(HttpExchange ex) throws IOException {
        java.util.regex.Matcher replayLine = java.util.regex.Pattern.compile("/api/lines/([^/]+)/(control|serve)")
                .matcher(ex.getRequestURI().getPath());
        if (replayLine.matches() && replays.stream().anyMatch(r -> replayLine.group(1).equals(r.get("line")))) {
            // a replay's line: served beside the live one or not (the trainer's LineServingResource), the rest never set
            String line = replayLine.group(1);
            if (replayLine.group(2).equals("serve")) {
                if (ex.getRequestMethod().equals("POST")) servedLines.add(line);
                else servedLines.remove(line);
                send(ex, 200, Map.of("line", line, "served", servedLines.contains(line), "servedLines", List.copyOf(servedLines),
                        "updatedAt", Instant.now().toString()));
            } else {
                send(ex, 200, Map.of("line", line, "paused", false, "updatedAt", Instant.EPOCH.toString(), "served", servedLines.contains(line)));
            }
            return;
        }
        if (!ex.getRequestURI().getPath().equals("/api/lines/live/control")) {
            send(ex, 404, error("not_found", "there is no model line here"));
            return;
        }
        if (ex.getRequestMethod().equals("PUT")) {
            JsonNode body = body(ex);
            lineControl.clear();
            lineControl.put("paused", body.path("paused").asBoolean());
            if (body.hasNonNull("pinnedVersion")) lineControl.put("pinnedVersion", body.get("pinnedVersion").asText());
            if (body.hasNonNull("versionsKept")) lineControl.put("versionsKept", body.get("versionsKept").asInt());
        }
        Map<String, Object> view = new LinkedHashMap<>(lineControl);
        view.put("line", "live");
        view.put("updatedAt", Instant.now().toString());
        view.put("served", false);
        send(ex, 200, view);
    }

    private List<Map<String, Object>> models() {
        List<Map<String, Object>> list = new ArrayList<>();
        if (bootstrapping) {
            return list;
        }
        if (hostile != null) {
            Map<String, Object> m = model("9", hostile, hostile, hostile, 7, Map.of("rewardAccuracy", 0.5));
            list.add(m);
        }
        list.add(model("0", "live", null, "SFT", 0, Map.of()));
        list.add(model("1", "live", "0", "DPO", 24, Map.of("rewardAccuracy", 0.62, "dpoLoss", 0.671, "margin", 0.21, "kl", 0.012)));
        list.add(model("2", "live", "1", "DPO", 55, Map.of("rewardAccuracy", 0.71, "dpoLoss", 0.642, "margin", 0.58, "kl", 0.031)));
        list.add(model("3", "live", "2", "DPO", 86, Map.of("rewardAccuracy", 0.78, "dpoLoss", 0.611, "margin", 1.04, "kl", 0.054)));
        if (rlooVersion) {
            list.add(model("4", "live", "3", "RLOO", 102, Map.of("rewardAccuracy", 0.8, "reward", 0.42, "rewardBefore", 0.1, "kl", 0.8,
                    "totalReward", 0.38, "responseLength", 9.5, "rlooLoss", -0.3)));
            list.add(model("5", "live", "4", "PPO", 118, Map.of("rewardAccuracy", 0.81, "reward", 0.47, "rewardBefore", 0.4, "kl", 0.9,
                    "responseLength", 9.1, "ppoLoss", -0.02, "valueLoss", 0.125, "clipFraction", 0.05)));
            list.add(model("6", "live", "5", "GRPO", 134, Map.of("rewardAccuracy", 0.82, "reward", 0.51, "rewardBefore", 0.45,
                    "rewardStd", 0.33, "kl", 1.1, "responseLength", 8.7, "grpoLoss", 0.01, "clipFraction", 0.1)));
            list.add(model("7", "live", "6", "KTO", 150, Map.of("rewardAccuracy", 0.83, "ktoLoss", 0.48, "ktoLossBefore", 0.5,
                    "desirableReward", 0.12, "undesirableReward", -0.09, "referencePoint", 0.01, "ktoAccuracy", 0.75, "ratings", 32)));
        }
        for (Map<String, Object> r : replays) {
            list.add("RLOO".equals(r.get("algorithm"))
                    ? model("1", (String) r.get("line"), "0", "RLOO", 40, Map.of("reward", 0.42, "rewardBefore", 0.1, "kl", 0.8, "rlooLoss", -0.3))
                    : model("1", (String) r.get("line"), "0", "DPO", 40, Map.of("dpoLoss", 0.668, "margin", 0.25, "kl", 0.013)));
        }
        return list;
    }

    private Map<String, Object> model(String version, String line, String parent, String algorithm, int votes, Map<String, Object> metrics) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("version", version);
        m.put("line", line);
        m.put("parent", parent);
        m.put("algorithm", algorithm);
        m.put("votesTrainedOn", votes);
        m.put("metrics", metrics);
        m.put("created", started.plusSeconds(60L * Integer.parseInt(version)).toString());
        return m;
    }

    private void training(HttpExchange ex) throws IOException {
        if (ex.getRequestURI().getPath().endsWith("/events")) {
            ex.getResponseHeaders().add("Content-Type", "text/event-stream");
            ex.sendResponseHeaders(200, 0);
            event(ex.getResponseBody(), "state", trainingNow());
            for (int i = 0; i < 600; i++) {
                ex.getResponseBody().write(": keep-alive\n\n".getBytes(StandardCharsets.UTF_8));
                ex.getResponseBody().flush();
                sleep(500);
            }
        } else {
            send(ex, 200, trainingNow());
        }
    }

    private Map<String, Object> trainingNow() {
        if (!bootstrapping) {
            return Map.of("state", "IDLE", "servingVersion", "3", "line", "live");
        }
        List<Map<String, Object>> losses = new ArrayList<>();
        for (int step = 0; step < 90; step++) {
            losses.add(Map.of("phase", "PRETRAIN", "step", step * 10, "loss", 10.8 * Math.exp(-step / 30.0) + 2.1 + 0.15 * Math.sin(step)));
        }
        return Map.of("state", "BOOTSTRAPPING", "phase", "PRETRAIN", "step", 900, "totalSteps", 2000, "loss", 2.31,
                "message", "nano preset, built-in corpus", "losses", losses,
                "firstModel", "nano, 560 pretraining + 1125 SFT steps (2 cores: 2 or 3: the measured nano run of docs/training.md)");
    }

    private void replays(HttpExchange ex) throws IOException {
        if (ex.getRequestMethod().equals("POST") && hostileErrors) {
            send(ex, 400, error("bad_request", hostile));
        } else if (ex.getRequestMethod().equals("GET") && hostile != null) {
            List<Object> all = new ArrayList<>(replays);
            all.add(hostileReplay());
            send(ex, 200, all);
        } else if (ex.getRequestMethod().equals("POST")) {
            JsonNode body = body(ex);
            String from = body.path("from").asText("");
            if (!Set.of("BEGINNING", "TIMESTAMP", "OFFSETS").contains(from)) {
                send(ex, 400, error("bad_request", "from must be BEGINNING, TIMESTAMP or OFFSETS"));
                return;
            }
            if (replays.stream().anyMatch(r -> "RUNNING".equals(r.get("state")))) {
                send(ex, 409, error("trainer_busy", "a replay is already running"));
                return;
            }
            String line = body.path("line").asText("replay-" + (replays.size() + 1));
            Map<String, Object> r = new ConcurrentHashMap<>(Map.of("id", "r" + (replays.size() + 1), "line", line,
                    "from", from, "algorithm", body.path("algorithm").asText("DPO").toUpperCase(java.util.Locale.ROOT),
                    "state", "RUNNING", "consumed", 40, "total", 86, "versions", List.of("1")));
            if (from.equals("OFFSETS") && body.has("fromOffsets")) {
                r.put("fromOffsets", JSON.convertValue(body.path("fromOffsets"), Map.class));
                if (body.has("toOffsets")) r.put("toOffsets", JSON.convertValue(body.path("toOffsets"), Map.class));
            } else if (from.equals("OFFSETS")) {
                r.put("fromOffset", body.path("fromOffset").asLong());
                r.put("toOffset", body.path("toOffset").asLong());
                r.put("total", body.path("toOffset").asLong() - body.path("fromOffset").asLong());
            }
            r.put("parent", body.path("parent").asText("1"));
            r.put("follows", "live");
            // As the trainer reports a replay that rebuilt three live versions and went one past them.
            r.put("comparisons", List.of(
                    Map.of("version", line + "-2", "rebuilds", "2", "result", "IDENTICAL"),
                    Map.of("version", line + "-3", "rebuilds", "3", "result", "IDENTICAL"),
                    Map.of("version", line + "-4", "rebuilds", "4", "result", "IDENTICAL"),
                    Map.of("version", line + "-5", "result", "NEW")));
            replays.add(r);
            send(ex, 202, r);
        } else {
            send(ex, 200, replays);
        }
    }

    /** A failed replay as the trainer lists it, every free-text field {@link #hostile}. */
    private static Map<String, Object> hostileReplay() {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("id", hostile);
        r.put("line", hostile);
        r.put("from", "OFFSETS");
        r.put("fromOffsets", Map.of("0", 3));
        r.put("toOffsets", Map.of("0", 9));
        r.put("parent", hostile);
        r.put("follows", hostile);
        r.put("algorithm", hostile);
        r.put("state", "FAILED");
        r.put("consumed", 3);
        r.put("total", 6);
        r.put("versions", List.of(hostile));
        r.put("comparisons", List.of(Map.of("version", hostile, "rebuilds", hostile, "result", "DIFFERS", "reason", hostile),
                Map.of("version", hostile + "-2", "result", "NOT_COMPARABLE", "reason", hostile)));
        r.put("error", hostile);
        return r;
    }

    /** feedback-service's admin list of raters (GET /api/raters); only the {@link #hostile} rater is known here. */
    private void raters(HttpExchange ex) throws IOException {
        List<Map<String, Object>> raters = new ArrayList<>();
        if (hostile != null) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("raterId", hostile);
            r.put("name", hostile);
            r.put("invited", true);
            r.put("createdAt", started.toString());
            raters.add(r);
        }
        send(ex, 200, raters);
    }

    // ---------------------------------------------------------------- plumbing

    private static Map<String, Object> error(String code, String reason) {
        return Map.of("error", code, "reason", reason);
    }

    private static JsonNode body(HttpExchange ex) throws IOException {
        byte[] bytes = ex.getRequestBody().readAllBytes();
        return bytes.length == 0 ? JSON.createObjectNode() : JSON.readTree(bytes);
    }

    private static void send(HttpExchange ex, int status, Object body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
    }

    private static void event(OutputStream out, String name, Object data) throws IOException {
        out.write(("event: " + name + "\ndata: " + JSON.writeValueAsString(data) + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void stop() {
        server.stop(0);
        executor.shutdownNow();
    }
}
