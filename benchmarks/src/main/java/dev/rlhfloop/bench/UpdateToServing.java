package dev.rlhfloop.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhfloop.contracts.GenerationEvent;
import dev.rlhfloop.contracts.Json;
import dev.rlhfloop.contracts.ModelVersion;
import dev.rlhfloop.contracts.PreferencePair;
import dev.rlhfloop.contracts.Topics;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * {@code ./bench UpdateToServing}: from the vote that completes a version's batch to the first
 * answer by that version (issue #16: p50 &lt; 3 s on {@code nano} with the product defaults), and
 * where that time goes.
 *
 * <p>Starts a stack of its own on free loopback ports ({@link BenchStack}) with every setting at the
 * product's default: the trainer cuts a DPO version every 16 pairs, the inference service pits the
 * latest version against the SFT baseline in half the comparisons and answers in up to 64 tokens.
 * Only the first model differs: {@code --model DIR} starts the line from a model directory (e.g. the
 * live line's {@code run/trainer-service/lines/live/1/model}; {@code --sft-mix-data builtin} mixes the
 * built-in examples into its updates, as the live line's, which the project's bootstrap made, are), else the trainer bootstraps a
 * {@code nano} model in a few steps. The latency depends on the model's size, not its quality: a
 * short bootstrap gives a model of the same size, whose answers differ in length, and so the pairs.
 *
 * <p>For each version, a rater asks for a comparison, waits for both answers and votes (the shorter
 * answer, A when equal), until the pairs topic holds the version's batch; the vote whose pair
 * completed it starts the clock. Then the rater asks for comparisons one after the other, as a
 * rater who goes on rating, without voting, until one is answered by the new version (its
 * generation events name the version): the end of that answer stops the clock. The phases come
 * from the services' one log line per version: the trainer's (batch cut after its last vote, as
 * the feedback service timed the vote, so it holds the vote's way to the pairs topic; training;
 * writing files; announcing; for DPO, the reward model trained and published after the announcement,
 * off the clock) and the inference service's (announcement to start of the load,
 * fetch, load); "first answer" is from the load's end to the first answer's end, the rest (the
 * vote's 202 against the feedback service's clock, log lines' millisecond stamps) is "other".
 * Beside them, "vote → pair read": when this benchmark's own read-committed consumer read the
 * completing vote's pair.
 *
 * <pre>
 * ./bench UpdateToServing [--versions 5] [--model DIR [--sft-mix-data builtin|FILE]] [--pretrain-steps 40] [--sft-steps 20] [--pairs-per-version 16]
 * </pre>
 */
public final class UpdateToServing {
    private static final DateTimeFormatter LOG_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss,SSS");
    private static final Pattern TRAINER_LINE = Pattern.compile("^(\\S+ \\S+) .*line live, version (\\d+): batch cut ([0-9.]+) s after its last vote, "
            + "trained in ([0-9.]+) s \\(reward model ([0-9.]+) s, policy ([0-9.]+) s\\), published in ([0-9.]+) s \\(files ([0-9.]+) s, announced ([0-9.]+) s\\)");
    private static final Pattern REWARD_MODEL_LINE = Pattern.compile("^(\\S+ \\S+) .*line live, version (\\d+): its reward model followed in ([0-9.]+) s");
    private static final Pattern LOADED_LINE = Pattern.compile("^(\\S+ \\S+) .*loaded model version (\\d+) \\(line live, .*\\) in (\\d+) ms: "
            + "fetched in (\\d+) ms .*, loaded in (\\d+) ms; started (\\d+) ms after its announcement");

    /** One comparison the rater saw: when it was asked for, its first text and its end, and the versions that answered. */
    record Seen(String id, long requestedMillis, long firstTextMillis, long doneMillis) {}

    /** One version's clock: the completing vote's 202 and the end of its first answer. */
    record Measured(String version, long voteMillis, long pairReadMillis, long firstAnswerMillis, Seen first, double load) {
        double seconds() {
            return (firstAnswerMillis - voteMillis) / 1000.0;
        }
    }

    private final BenchStack stack;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    private String token;
    /** comparison id → pair's place on the pairs topic ("partition:offset"). */
    private final Map<String, String> pairs = new ConcurrentHashMap<>();
    /** comparison id → when this benchmark read its pair (a read-committed consumer, as the trainer's). */
    private final Map<String, Long> pairReadMillis = new ConcurrentHashMap<>();
    /** comparison id → versions that answered it. */
    private final Map<String, Set<String>> answeredBy = new ConcurrentHashMap<>();
    private final List<ModelVersion> versions = new CopyOnWriteArrayList<>();
    private volatile boolean following = true;

    UpdateToServing(BenchStack stack) {
        this.stack = stack;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) throw new IllegalArgumentException("options: --name value; got " + args[i]);
            options.put(args[i].substring(2), args[++i]);
        }
        int count = Integer.parseInt(options.getOrDefault("versions", "5"));
        int perVersion = Integer.parseInt(options.getOrDefault("pairs-per-version", "16"));
        Path home = BenchStack.checkout(UpdateToServing.class);
        Map<String, String> trainer = new LinkedHashMap<>();
        trainer.put("rlhf.trainer.pairs-per-version", String.valueOf(perVersion));
        if (options.containsKey("model")) {
            Path model = Path.of(options.get("model")).toAbsolutePath();
            if (!Files.isRegularFile(model.resolve("model.safetensors"))) throw new IllegalArgumentException(model + " is no model directory");
            trainer.put("rlhf.trainer.base-model", model.toString());
        } else {
            trainer.put("rlhf.trainer.bootstrap.size", "nano");
            trainer.put("rlhf.trainer.bootstrap.pretrain-steps", options.getOrDefault("pretrain-steps", "40"));
            trainer.put("rlhf.trainer.bootstrap.sft-steps", options.getOrDefault("sft-steps", "20"));
        }
        if (options.containsKey("sft-mix-data")) trainer.put("rlhf.trainer.sft-mix.data", options.get("sft-mix-data"));
        BenchStack stack = new BenchStack(home, home.resolve("benchmarks/target/update-to-serving"));
        Runtime.getRuntime().addShutdownHook(new Thread(stack::close, "update-to-serving-stop"));
        try {
            System.out.printf("UpdateToServing on %s: %d cores, JDK %s, load average %.1f; trainer %s, every other setting the product's default%n",
                    Instant.now(), Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), BenchStack.loadAverage(), trainer);
            stack.start(Map.of("trainer-service", trainer), List.of());
            new UpdateToServing(stack).run(count, perVersion);
        } finally {
            stack.close();
        }
        System.exit(0);
    }

    void run(int count, int perVersion) throws Exception {
        stack.awaitFirstModel(http, Duration.ofMinutes(20));
        token = openSession();
        Thread follower = new Thread(this::follow, "update-to-serving-topics");
        follower.setDaemon(true);
        follower.start();
        awaitServing(Duration.ofMinutes(2));
        String newest = newestVersion();
        System.out.printf("serving version %s; rating until %d more versions answer (%d pairs each), load average %.1f%n", newest, count, perVersion,
                BenchStack.loadAverage());
        List<Measured> measured = new ArrayList<>();
        Map<String, Long> ackOf = new LinkedHashMap<>();
        double loadSum = 0;
        try {
            measure(count, perVersion, newest, measured, ackOf);
        } finally {
            following = false;
            if (!measured.isEmpty()) report(measured, measured.stream().mapToDouble(Measured::load).average().orElse(0));
        }
    }

    /** Rates until {@code count} versions after {@code newest} answered, adding each one's clock to {@code measured}. */
    private void measure(int count, int perVersion, String newest, List<Measured> measured, Map<String, Long> ackOf) throws Exception {
        for (int k = 0; k < count; k++) {
            int pairsBefore = pairs.size();
            int votes = 0;
            while (pairs.size() < pairsBefore + perVersion) {
                Seen seen = compare();
                String choice = choose(seen.id());
                if (choice == null) continue;
                long ack = vote(seen.id(), choice);
                ackOf.put(seen.id(), ack);
                votes++;
                awaitPair(seen.id(), Duration.ofSeconds(2));
            }
            String previous = newest;
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
            Seen first = null;
            while (first == null) {
                if (System.nanoTime() > deadline) throw new IllegalStateException("no new version answered within 10 minutes; see " + stack.log("trainer-service"));
                Seen seen = compare();
                Set<String> by = awaitAnswered(seen.id());
                Optional<String> fresh = by.stream().filter(v -> isNewer(v, previous)).findFirst();
                if (fresh.isPresent()) {
                    first = seen;
                    newest = fresh.get();
                }
            }
            ModelVersion version = awaitVersion(newest);
            String completing = completingVote(version, ackOf);
            Measured m = new Measured(newest, ackOf.get(completing), pairReadMillis.get(completing), first.doneMillis(), first,
                    BenchStack.loadAverage());
            measured.add(m);
            System.out.printf(Locale.ROOT, "version %s: %d votes; vote that completed its batch → its first answer: %.2f s (load average %.1f)%n",
                    newest, votes, m.seconds(), BenchStack.loadAverage());
        }
    }

    // ---------------------------------------------------------------- the report

    private void report(List<Measured> measured, double meanLoad) throws IOException {
        Map<String, Matcher> trained = lines(stack.log("trainer-service"), TRAINER_LINE);
        Map<String, Matcher> loaded = lines(stack.log("inference-service"), LOADED_LINE);
        Map<String, Matcher> followed = lines(stack.log("trainer-service"), REWARD_MODEL_LINE);
        Map<String, List<Double>> phases = new LinkedHashMap<>();
        for (String phase : List.of("total", "vote → pair read", "batch cut", "training", "reward model", "policy", "publishing", "files", "announcing",
                "announced → load", "hot-load", "fetch", "load", "first answer", "other", "reward model after")) {
            phases.put(phase, new ArrayList<>());
        }
        System.out.println();
        System.out.println("| version | total s | vote → pair read | cut | training (RM + policy) | publishing (files + announce) | announced → load | hot-load (fetch + load) | first answer | other | reward model after |");
        System.out.println("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        for (Measured m : measured) {
            Matcher t = trained.get(m.version());
            Matcher l = loaded.get(m.version());
            if (t == null || l == null) {
                System.out.printf("| %s | %.2f | (no phase lines in the logs) |%n", m.version(), m.seconds());
                phases.get("total").add(m.seconds());
                continue;
            }
            double cut = d(t, 3), training = d(t, 4), rm = d(t, 5), policy = d(t, 6), publishing = d(t, 7), files = d(t, 8), announcing = d(t, 9);
            double hotLoad = d(l, 3) / 1000, fetch = d(l, 4) / 1000, load = d(l, 5) / 1000, notice = d(l, 6) / 1000;
            double firstAnswer = (m.firstAnswerMillis() - logMillis(l.group(1))) / 1000.0;
            double other = m.seconds() - cut - training - publishing - notice - hotLoad - firstAnswer;
            double pairRead = (m.pairReadMillis() - m.voteMillis()) / 1000.0;
            // off the clock: a DPO version's reward model, trained and published after the announcement (beside the hot-load)
            double rmAfter = followed.containsKey(m.version()) ? d(followed.get(m.version()), 3) : Double.NaN;
            double[] values = {m.seconds(), pairRead, cut, training, rm, policy, publishing, files, announcing, notice, hotLoad, fetch, load, firstAnswer, other,
                    rmAfter};
            int i = 0;
            for (List<Double> list : phases.values()) {
                double value = values[i++];
                if (!Double.isNaN(value)) list.add(value);
            }
            System.out.printf(Locale.ROOT, "| %s | %.2f | %.2f | %.2f | %.2f (%.2f + %.2f) | %.2f (%.2f + %.2f) | %.2f | %.2f (%.2f + %.2f) | %.2f | %.2f | %s |%n",
                    m.version(), m.seconds(), pairRead, cut, training, rm, policy, publishing, files, announcing, notice, hotLoad, fetch, load, firstAnswer, other,
                    Double.isNaN(rmAfter) ? "—" : String.format(Locale.ROOT, "%.2f", rmAfter));
        }
        System.out.println();
        System.out.printf(Locale.ROOT, "over %d versions (mean load average %.1f on %d cores):%n", measured.size(), meanLoad,
                Runtime.getRuntime().availableProcessors());
        phases.forEach((phase, values) -> {
            if (values.isEmpty()) return;
            System.out.printf(Locale.ROOT, "  %-18s p50 %6.2f s   p95 %6.2f s%n", phase, quantile(values, 0.5), quantile(values, 0.95));
        });
    }

    private static double d(Matcher m, int group) {
        return Double.parseDouble(m.group(group));
    }

    /** The last line per version that matches, by version. */
    private static Map<String, Matcher> lines(Path log, Pattern pattern) throws IOException {
        Map<String, Matcher> found = new LinkedHashMap<>();
        for (String line : Files.readAllLines(log)) {
            Matcher m = pattern.matcher(line);
            if (m.find()) found.put(m.group(2), m);
        }
        return found;
    }

    /** A service log's timestamp (Quarkus' default format, this machine's zone) in epoch milliseconds. */
    private static long logMillis(String stamp) {
        return LocalDateTime.parse(stamp, LOG_TIME).atZone(ZoneId.systemDefault()).toInstant().toEpochMilli();
    }

    static double quantile(List<Double> values, double q) {
        List<Double> sorted = values.stream().sorted().toList();
        return sorted.get(Math.min(sorted.size() - 1, Math.max(0, (int) Math.ceil(q * sorted.size()) - 1)));
    }

    // ---------------------------------------------------------------- the rater

    /** Asks for a comparison and polls it until both answers are done. */
    private Seen compare() throws Exception {
        long requested = System.currentTimeMillis();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        HttpResponse<String> created;
        while (true) {
            created = send(HttpRequest.newBuilder(URI.create(stack.url("web") + "/api/comparisons")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{}")));
            if (created.statusCode() == 201 || created.statusCode() == 200) break;
            if (System.nanoTime() > deadline) throw new IllegalStateException("POST /api/comparisons: " + created.statusCode() + " " + created.body());
            Thread.sleep(500);
        }
        String id = Json.MAPPER.readTree(created.body()).path("id").asText();
        long firstText = 0;
        while (true) {
            JsonNode view = Json.MAPPER.readTree(send(HttpRequest.newBuilder(URI.create(stack.url("web") + "/api/comparisons/" + id)).GET()).body());
            boolean done = view.path("answers").size() == 2;
            for (JsonNode answer : view.path("answers")) {
                if (firstText == 0 && !answer.path("text").asText("").isEmpty()) firstText = System.currentTimeMillis();
                done &= answer.path("done").asBoolean();
            }
            if (done) return new Seen(id, requested, firstText, System.currentTimeMillis());
            if (System.nanoTime() > deadline) throw new IllegalStateException("comparison " + id + " not done in 2 minutes: " + view);
            Thread.sleep(20);
        }
    }

    /**
     * The shorter answer (fewer words), A when they are equal: always a decisive vote, so it makes a pair
     * (unless a gold check); null (no vote) when the answers are the same text or one is empty, a pair
     * the trainer would skip, so the batch would wait for its max-wait instead of being cut by count.
     */
    private String choose(String id) throws Exception {
        JsonNode view = Json.MAPPER.readTree(send(HttpRequest.newBuilder(URI.create(stack.url("web") + "/api/comparisons/" + id)).GET()).body());
        Map<String, Integer> words = new LinkedHashMap<>();
        Set<String> texts = new java.util.HashSet<>();
        for (JsonNode answer : view.path("answers")) {
            String text = answer.path("text").asText("").strip();
            if (text.isEmpty()) return null;
            texts.add(text);
            words.put(answer.path("slot").asText(), text.split("\\s+").length);
        }
        if (texts.size() < 2) return null;
        return words.getOrDefault("B", 0) < words.getOrDefault("A", 0) ? "B" : "A";
    }

    private long vote(String id, String choice) throws Exception {
        HttpResponse<String> voted = send(HttpRequest.newBuilder(URI.create(stack.url("web") + "/api/votes")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"comparisonId\":\"" + id + "\",\"choice\":\"" + choice + "\"}")));
        long ack = System.currentTimeMillis();
        if (voted.statusCode() != 202) throw new IllegalStateException("vote on " + id + ": " + voted.statusCode() + " " + voted.body());
        return ack;
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        if (token != null) request.header("Authorization", "Bearer " + token);
        return http.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private String openSession() throws IOException, InterruptedException {
        HttpResponse<String> opened = send(HttpRequest.newBuilder(URI.create(stack.url("web") + "/api/session")).POST(HttpRequest.BodyPublishers.noBody()));
        if (opened.statusCode() != 201) throw new IllegalStateException("POST /api/session: " + opened.statusCode() + " " + opened.body());
        return Json.MAPPER.readTree(opened.body()).path("token").asText();
    }

    // ---------------------------------------------------------------- the topics

    /** Follows the pairs (read committed, as the trainer), the answers' versions and the registry. */
    private void follow() {
        Map<String, Object> config = Map.of("bootstrap.servers", stack.bootstrapServers(), "isolation.level", "read_committed",
                "enable.auto.commit", false);
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : List.of(Topics.PREFERENCE_PAIRS, Topics.GENERATIONS, Topics.MODEL_VERSIONS)) {
                consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (following) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    if (r.value() == null) continue;
                    switch (r.topic()) {
                        case Topics.PREFERENCE_PAIRS -> {
                            String id = Json.read(r.value(), PreferencePair.class).comparisonId();
                            pairReadMillis.put(id, System.currentTimeMillis());
                            pairs.put(id, r.partition() + ":" + r.offset());
                        }
                        case Topics.GENERATIONS -> {
                            GenerationEvent answer = Json.read(r.value(), GenerationEvent.class);
                            answeredBy.computeIfAbsent(answer.comparisonId(), id -> ConcurrentHashMap.newKeySet()).add(answer.answer().modelVersion());
                        }
                        default -> {
                            ModelVersion version = Json.read(r.value(), ModelVersion.class);
                            if (version.modelLine().equals("live")) versions.add(version);
                        }
                    }
                }
            }
        }
    }

    private void awaitPair(String comparisonId, Duration patience) throws InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        while (!pairs.containsKey(comparisonId) && System.nanoTime() < deadline) Thread.sleep(10);
    }

    /** The versions that answered a comparison, once both answers' events are read (they are written before "done"). */
    private Set<String> awaitAnswered(String comparisonId) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);   // a busy broker can take that long
        while (System.nanoTime() < deadline) {
            Set<String> by = answeredBy.get(comparisonId);
            if (by != null && !by.isEmpty()) {
                Thread.sleep(50); // the other slot's event, if another version wrote it
                return Set.copyOf(answeredBy.get(comparisonId));
            }
            Thread.sleep(10);
        }
        throw new IllegalStateException("no generation events for comparison " + comparisonId);
    }

    private void awaitServing(Duration patience) throws Exception {
        long deadline = System.nanoTime() + patience.toNanos();
        while (versions.isEmpty()) {
            if (System.nanoTime() > deadline) throw new IllegalStateException("no version on " + Topics.MODEL_VERSIONS);
            Thread.sleep(100);
        }
        awaitAnswered(compare().id());
    }

    private String newestVersion() {
        return versions.stream().map(ModelVersion::versionId).max(Comparator.comparingLong(Long::parseLong)).orElseThrow();
    }

    private static boolean isNewer(String version, String than) {
        return version.matches("\\d+") && Long.parseLong(version) > Long.parseLong(than);
    }

    private ModelVersion awaitVersion(String id) throws InterruptedException {
        while (true) {
            Optional<ModelVersion> found = versions.stream().filter(v -> v.versionId().equals(id)).findFirst();
            if (found.isPresent()) return found.get();
            Thread.sleep(20);
        }
    }

    /** The comparison of the latest 202 among the votes whose pairs the version took: the vote that completed its batch. */
    private String completingVote(ModelVersion version, Map<String, Long> ackOf) {
        String latest = null;
        for (Map.Entry<String, Long> vote : ackOf.entrySet()) {
            String place = pairs.get(vote.getKey());
            if (place == null) continue;
            int colon = place.indexOf(':');
            String key = Topics.PREFERENCE_PAIRS + ":" + place.substring(0, colon);
            long offset = Long.parseLong(place.substring(colon + 1));
            long from = version.trainedOn().fromOffsets() == null ? 0 : version.trainedOn().fromOffsets().getOrDefault(key, 0L);
            long to = version.trainedOn().offsets().getOrDefault(key, 0L);
            if (offset >= from && offset < to && (latest == null || vote.getValue() > ackOf.get(latest))) latest = vote.getKey();
        }
        if (latest == null) throw new IllegalStateException("none of the votes is in version " + version.versionId() + "'s batch");
        return latest;
    }
}
