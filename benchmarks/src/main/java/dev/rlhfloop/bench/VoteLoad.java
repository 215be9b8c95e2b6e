package dev.rlhfloop.bench;

import dev.rlhfloop.contracts.Answer;
import dev.rlhfloop.contracts.Choice;
import dev.rlhfloop.contracts.ComparisonIds;
import dev.rlhfloop.contracts.GenerationEvent;
import dev.rlhfloop.contracts.Json;
import dev.rlhfloop.contracts.Sampling;
import dev.rlhfloop.contracts.Slot;
import dev.rlhfloop.contracts.Topics;
import dev.rlhfloop.contracts.VoteEvent;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongFunction;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * {@code ./bench VoteLoad}: how many votes per second the stack takes with p99 under 50 ms (issue #13).
 *
 * <p>Starts a stack of its own on free loopback ports (a broker, the three services and the gateway
 * as child JVMs from their {@code quarkus-run.jar}, a tiny bootstrap so the trainer publishes v1 and
 * then trains on the pairs the votes make), with the gateway's vote limits set high (it says so).
 * Before each step it prepares distinct comparisons, written to {@code rlhf.generations} as the
 * inference service writes a finished comparison (generating thousands of answers would measure
 * generation, not votes), and opens {@code --sessions} rater sessions once. Each step offers votes
 * at a fixed rate (open loop: a vote's latency counts from when it was due, so a slow answer
 * delays no later vote's clock) through the gateway, one comparison per vote, sessions in turn. The
 * rate rises step by step (after a warm-up step at the first rate, off the curve) until p99 passes
 * {@code --p99-ms}. Beside each step, the peer: a bare
 * Kafka producer with the votes producer's settings (acks=all, idempotence, linger 0) sending the
 * same vote records at the same rate to a topic of its own. At the end, the votes on
 * {@code rlhf.votes} are counted: as many as 202s, each vote once.
 *
 * <pre>
 * ./bench VoteLoad [--rates 250,500,1000,2000,3000,4000,5000,6000,8000] [--seconds 5] [--sessions 200] [--p99-ms 50]
 * </pre>
 */
public final class VoteLoad {
    private static final String PEER_TOPIC = "voteload.peer";
    /** Limits far above any offered rate: the benchmark measures the path, not the abuse limits. */
    private static final Map<String, String> HIGH_LIMITS = Map.of(
            "rlhf.limits.votes-per-rater-per-hour", "1000000000",
            "rlhf.limits.votes-per-address-per-hour", "1000000000",
            "rlhf.limits.votes-per-rater-per-day", "1000000000");

    /** One step's figures; {@code answers[i]} is request i's status (-1: no answer). */
    record Step(int offered, int sent, int accepted, Map<Integer, Integer> statuses, double achieved, double p50, double p99, double max, int[] answers) {

        /** The comparisons whose vote was answered 202. */
        List<String> acknowledged(List<String> comparisons) {
            List<String> acked = new ArrayList<>();
            for (int i = 0; i < answers.length; i++) if (answers[i] == 202) acked.add(comparisons.get(i));
            return acked;
        }
    }

    private final BenchStack stack;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).executor(Executors.newFixedThreadPool(4, daemon("voteload-http"))).build();

    VoteLoad(Path home, Path work) {
        this.stack = new BenchStack(home, work);
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = options(args);
        int[] rates = Arrays.stream(options.getOrDefault("rates", "250,500,1000,2000,3000,4000,5000,6000,8000").split(","))
                .mapToInt(s -> Integer.parseInt(s.strip())).toArray();
        int seconds = Integer.parseInt(options.getOrDefault("seconds", "5"));
        int sessions = Integer.parseInt(options.getOrDefault("sessions", "200"));
        double p99Limit = Double.parseDouble(options.getOrDefault("p99-ms", "50"));
        Path home = BenchStack.checkout(VoteLoad.class);
        VoteLoad bench = new VoteLoad(home, home.resolve("benchmarks/target/voteload"));
        Runtime.getRuntime().addShutdownHook(new Thread(bench::stop, "voteload-stop"));
        bench.run(rates, seconds, sessions, p99Limit);
        bench.stop();
        System.exit(0);
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) throw new IllegalArgumentException("options: --name value; got " + args[i]);
            options.put(args[i].substring(2), args[++i]);
        }
        return options;
    }

    void run(int[] rates, int seconds, int sessions, double p99Limit) throws Exception {
        System.out.printf("VoteLoad on %s: %d cores, JDK %s, load average %.1f%n", Instant.now(),
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), BenchStack.loadAverage());
        System.out.println("gateway vote limits set high for the benchmark: " + HIGH_LIMITS);
        startStack();
        List<String> tokens = new ArrayList<>();
        for (int s = 0; s < sessions; s++) tokens.add(openSession());
        System.out.printf("%d rater sessions open%n", sessions);

        try (KafkaProducer<String, byte[]> producer = producer();
             KafkaProducer<String, byte[]> peer = producer()) {
            Map<TopicPartition, Long> votesBefore = endOffsets(Topics.VOTES);   // the probes' TIE votes are told apart at the end
            Set<String> acknowledged = new HashSet<>();
            List<Step> curve = new ArrayList<>();
            List<Step> peerCurve = new ArrayList<>();
            // Warm-up at the first rate, not on the curve: the JIT compiles the vote path, the pools fill.
            List<String> warm = prepare(producer, rates[0] * seconds, tokens.get(0));
            Step warmUp = voteStep(rates[0], seconds, warm, tokens);
            peerStep(peer, rates[0], seconds);
            acknowledged.addAll(warmUp.acknowledged(warm));
            System.out.printf("warm-up at %d/s: %.1f/s p50 %.1f ms p99 %.1f ms %s%n", rates[0], warmUp.achieved(), warmUp.p50(), warmUp.p99(), warmUp.statuses());
            for (int rate : rates) {
                List<String> comparisons = prepare(producer, rate * seconds, tokens.get(0));
                Step step = voteStep(rate, seconds, comparisons, tokens);
                Step bare = peerStep(peer, rate, seconds);
                acknowledged.addAll(step.acknowledged(comparisons));
                curve.add(step);
                peerCurve.add(bare);
                System.out.printf("offered %6d/s  gateway: %8.1f/s p50 %6.1f ms p99 %7.1f ms max %7.1f %s   peer producer: %8.1f/s p50 %6.1f ms p99 %6.1f ms  (load %.1f)%n",
                        rate, step.achieved(), step.p50(), step.p99(), step.max(), step.statuses(), bare.achieved(), bare.p50(), bare.p99(), BenchStack.loadAverage());
                if (step.p99() > p99Limit) break;
            }
            print(curve, peerCurve, p99Limit);
            checkTopic(votesBefore, acknowledged);
        }
    }

    // ---------------------------------------------------------------- steps

    /** Votes at {@code rate} per second for {@code seconds}, each on its own comparison, sessions in turn. */
    private Step voteStep(int rate, int seconds, List<String> comparisons, List<String> tokens) throws InterruptedException {
        URI votes = URI.create(stack.url("web") + "/api/votes");
        return openLoop(rate, seconds, i -> {
            String body = "{\"comparisonId\":\"" + comparisons.get((int) i) + "\",\"choice\":\"" + (i % 2 == 0 ? "A" : "B") + "\"}";
            HttpRequest request = HttpRequest.newBuilder(votes).timeout(Duration.ofSeconds(10))
                    .header("Content-Type", "application/json").header("Authorization", "Bearer " + tokens.get((int) (i % tokens.size())))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build();
            return http.sendAsync(request, HttpResponse.BodyHandlers.discarding()).thenApply(HttpResponse::statusCode);
        }, 202);
    }

    /** The same vote records at the same rate from a bare producer with the votes producer's settings. */
    private Step peerStep(KafkaProducer<String, byte[]> peer, int rate, int seconds) throws InterruptedException {
        return openLoop(rate, seconds, i -> {
            String comparisonId = ComparisonIds.newId("voteload");
            byte[] vote = Json.write(VoteEvent.of(comparisonId, i % 2 == 0 ? Choice.A : Choice.B, "r-peer-" + (i % 200), null, Instant.now()));
            CompletableFuture<Integer> acked = new CompletableFuture<>();
            peer.send(new ProducerRecord<>(PEER_TOPIC, comparisonId, vote), (metadata, e) -> acked.complete(e == null ? 202 : 503));
            return acked;
        }, 202);
    }

    /**
     * Fires request {@code i} at start + i/rate, whatever the earlier ones are doing, and times each
     * from when it was due until its answer.
     */
    private static Step openLoop(int rate, int seconds, LongFunction<CompletableFuture<Integer>> request, int success) throws InterruptedException {
        int total = rate * seconds;
        long[] latencies = new long[total];
        int[] statuses = new int[total];
        AtomicInteger done = new AtomicInteger();
        long interval = 1_000_000_000L / rate;
        long start = System.nanoTime() + 50_000_000L;
        for (int i = 0; i < total; i++) {
            long due = start + i * interval;
            long wait = due - System.nanoTime();
            if (wait > 0) LockSupport.parkNanos(wait);
            int n = i;
            CompletableFuture<Integer> answer;
            try {
                answer = request.apply(i);
            } catch (RuntimeException e) {
                answer = CompletableFuture.completedFuture(-1);
            }
            answer.whenComplete((status, e) -> {
                latencies[n] = System.nanoTime() - due;
                statuses[n] = e != null ? -1 : status;
                done.incrementAndGet();
            });
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (done.get() < total && System.nanoTime() < deadline) Thread.sleep(10);
        long end = System.nanoTime();
        Map<Integer, Integer> counts = new java.util.TreeMap<>();
        int ok = 0;
        long lastAnswer = 0;
        for (int i = 0; i < total; i++) {
            counts.merge(statuses[i], 1, Integer::sum);
            if (statuses[i] == success) ok++;
            lastAnswer = Math.max(lastAnswer, start + i * interval + latencies[i]);
        }
        long[] sorted = latencies.clone();
        Arrays.sort(sorted);
        double elapsed = (Math.min(end, Math.max(lastAnswer, start + 1)) - start) / 1e9;
        return new Step(rate, total, ok, counts, ok / Math.max(elapsed, seconds), millis(sorted, 0.50), millis(sorted, 0.99), sorted[total - 1] / 1e6, statuses);
    }

    private static double millis(long[] sorted, double quantile) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(quantile * sorted.length) - 1)] / 1e6;
    }

    private static void print(List<Step> curve, List<Step> peer, double p99Limit) {
        System.out.println();
        System.out.println("| offered votes/s | gateway 202/s | p50 ms | p99 ms | answers | peer producer acks/s | peer p50 ms | peer p99 ms |");
        System.out.println("| ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |");
        Step knee = null;
        for (int i = 0; i < curve.size(); i++) {
            Step s = curve.get(i);
            Step p = peer.get(i);
            System.out.printf("| %d | %.0f | %.1f | %.1f | %s | %.0f | %.1f | %.1f |%n", s.offered(), s.achieved(), s.p50(), s.p99(),
                    s.statuses(), p.achieved(), p.p50(), p.p99());
            if (s.p99() <= p99Limit && s.accepted() == s.sent()) knee = s;
        }
        System.out.println(knee == null
                ? "knee: none — p99 was above " + p99Limit + " ms (or a vote refused) from the first step"
                : String.format("knee: %d votes/s offered, %.0f/s taken, p50 %.1f ms, p99 %.1f ms (the highest step with p99 ≤ %.0f ms and every vote 202)",
                        knee.offered(), knee.achieved(), knee.p50(), knee.p99(), p99Limit));
    }

    // ---------------------------------------------------------------- preparing

    /** Writes {@code count} finished comparisons (both answers) as the inference service does, and waits until feedback knows them. */
    private List<String> prepare(KafkaProducer<String, byte[]> producer, int count, String probeToken) throws Exception {
        List<String> ids = new ArrayList<>(count);
        Sampling sampling = new Sampling(0.8, 40, 1.0, 8, 1);
        for (int i = 0; i < count; i++) {
            String id = ComparisonIds.newId("voteload");
            ids.add(id);
            for (Slot slot : Slot.values()) {
                GenerationEvent answer = GenerationEvent.of(id + "-" + slot, id, slot, "Name an animal that lives in the sea.",
                        new Answer(slot == Slot.A ? "A dolphin." : "An octopus.", List.of(32, 33, 34), "1"), sampling, -1.5);
                producer.send(new ProducerRecord<>(Topics.GENERATIONS, id, Json.write(answer)));
            }
        }
        producer.flush();
        awaitKnown(producer, probeToken, sampling);
        return ids;
    }

    /**
     * Until feedback's stores have every comparison written so far: one more per partition of
     * {@code rlhf.generations}, written last, must take a vote (the stores read each partition in order).
     */
    private void awaitKnown(KafkaProducer<String, byte[]> producer, String token, Sampling sampling) throws Exception {
        int partitions = producer.partitionsFor(Topics.GENERATIONS).size();
        Set<Integer> covered = new HashSet<>();
        List<String> probes = new ArrayList<>();
        while (covered.size() < partitions) {
            String id = ComparisonIds.newId("voteload");
            int partition = producer.send(new ProducerRecord<>(Topics.GENERATIONS, id, Json.write(GenerationEvent.of(id + "-A", id, Slot.A,
                    "probe", new Answer("a", List.of(32), "1"), sampling, -1.0)))).get().partition();
            producer.send(new ProducerRecord<>(Topics.GENERATIONS, id, Json.write(GenerationEvent.of(id + "-B", id, Slot.B,
                    "probe", new Answer("b", List.of(33), "1"), sampling, -1.0)))).get();
            if (covered.add(partition)) probes.add(id);
        }
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        for (String probe : probes) {
            while (true) {
                HttpResponse<String> vote = http.send(HttpRequest.newBuilder(URI.create(stack.url("web") + "/api/votes")).timeout(Duration.ofSeconds(30))
                        .header("Content-Type", "application/json").header("Authorization", "Bearer " + token)
                        .POST(HttpRequest.BodyPublishers.ofString("{\"comparisonId\":\"" + probe + "\",\"choice\":\"TIE\"}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (vote.statusCode() == 202) break;
                if (System.nanoTime() > deadline) throw new IllegalStateException("feedback did not learn the prepared comparisons: " + vote.body());
                Thread.sleep(500);
            }
        }
    }

    /**
     * Every vote answered 202 is on the topic, and no vote twice. A vote the client gave up on (no
     * answer within 10 s) may be there or not: counted apart.
     */
    private void checkTopic(Map<TopicPartition, Long> from, Set<String> acknowledged) {
        Properties p = new Properties();
        p.put("bootstrap.servers", stack.bootstrapServers());
        p.put("key.deserializer", ByteArrayDeserializer.class.getName());
        p.put("value.deserializer", ByteArrayDeserializer.class.getName());
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
            Map<TopicPartition, Long> end = consumer.endOffsets(from.keySet());
            consumer.assign(from.keySet());
            from.forEach(consumer::seek);
            Map<String, Integer> perComparison = new java.util.HashMap<>();
            long records = 0;
            long probes = 0;
            while (from.keySet().stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofSeconds(1))) {
                    VoteEvent vote = Json.read(r.value(), VoteEvent.class);
                    if (vote.choice() == Choice.TIE) {   // the probes; the benchmark's votes are A or B
                        probes++;
                        continue;
                    }
                    records++;
                    perComparison.merge(vote.comparisonId(), 1, Integer::sum);
                }
            }
            long lost = acknowledged.stream().filter(id -> !perComparison.containsKey(id)).count();
            long doubled = perComparison.values().stream().filter(n -> n > 1).count();
            long unanswered = perComparison.keySet().stream().filter(id -> !acknowledged.contains(id)).count();
            System.out.printf("on %s: %d votes of the benchmark on %d comparisons, %d answered 202; lost %d, doubled %d%s; %d probe votes aside — %s%n",
                    Topics.VOTES, records, perComparison.size(), acknowledged.size(), lost, doubled,
                    unanswered > 0 ? ", " + unanswered + " stored whose answer the client gave up on" : "", probes,
                    lost == 0 && doubled == 0 ? "nothing lost, nothing doubled" : "MISMATCH");
        }
    }

    // ---------------------------------------------------------------- the stack

    /** The trainer's tiny bootstrap publishes v1; from then on it trains on the pairs the votes make, as in a live run. */
    private void startStack() throws Exception {
        stack.start(Map.of(
                "web", HIGH_LIMITS,
                "trainer-service", Map.of("rlhf.trainer.bootstrap.size", "nano", "rlhf.trainer.bootstrap.pretrain-steps", "20",
                        "rlhf.trainer.bootstrap.sft-steps", "10")),
                List.of(new Topics.Spec(PEER_TOPIC, 3, false, false)));
        stack.awaitFirstModel(http, Duration.ofMinutes(15));
    }

    void stop() {
        stack.close();
    }

    private String openSession() throws IOException, InterruptedException {
        HttpResponse<String> opened = http.send(HttpRequest.newBuilder(URI.create(stack.url("web") + "/api/session")).timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        if (opened.statusCode() != 201) throw new IllegalStateException("POST /api/session: " + opened.statusCode() + " " + opened.body());
        return Json.MAPPER.readTree(opened.body()).path("token").asText();
    }

    /** A producer with the feedback service's votes producer settings (its application.properties). */
    private KafkaProducer<String, byte[]> producer() {
        Properties p = new Properties();
        p.put("bootstrap.servers", stack.bootstrapServers());
        p.put("acks", "all");
        p.put("enable.idempotence", "true");
        p.put("linger.ms", "0");
        p.put("delivery.timeout.ms", "10000");
        p.put("request.timeout.ms", "5000");
        p.put("max.block.ms", "5000");
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    private Map<TopicPartition, Long> endOffsets(String topic) {
        try (var admin = stack.kafka().admin()) {
            Map<TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> latest = new LinkedHashMap<>();
            int partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
            for (int i = 0; i < partitions; i++) latest.put(new TopicPartition(topic, i), org.apache.kafka.clients.admin.OffsetSpec.latest());
            Map<TopicPartition, Long> offsets = new LinkedHashMap<>();
            admin.listOffsets(latest).all().get().forEach((tp, info) -> offsets.put(tp, info.offset()));
            return offsets;
        } catch (Exception e) {
            throw new IllegalStateException("end offsets of " + topic, e);
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
