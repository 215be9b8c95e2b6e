package dev.rlhfloop.kafka;

import dev.rlhfloop.contracts.Topics;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the local broker in the foreground until SIGINT/SIGTERM:
 * {@code LocalKafkaMain [--port 9092] [--controller-port 9093] [--data-dir run/kafka]}.
 */
public final class LocalKafkaMain {
    private LocalKafkaMain() {}

    public static void main(String[] args) throws InterruptedException {
        int port = 9092;
        int controllerPort = 9093;
        Path dataDir = Path.of("run", "kafka");
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(required(args[i], value));
                case "--controller-port" -> controllerPort = Integer.parseInt(required(args[i], value));
                case "--data-dir" -> dataDir = Path.of(required(args[i], value));
                default -> {
                    System.err.println("unknown option " + args[i]
                            + "; usage: [--port 9092] [--controller-port 9093] [--data-dir run/kafka]");
                    System.exit(2);
                }
            }
            i++;
        }
        long t0 = System.nanoTime();
        LocalKafka kafka = LocalKafka.on(port, controllerPort, dataDir).start();
        kafka.createTopics(Topics.ALL);
        System.out.printf("Kafka broker ready on %s in %.1f s (data %s, log %s)%n", kafka.bootstrapServers(),
                (System.nanoTime() - t0) / 1e9, kafka.dataDir(), kafka.logFile());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            kafka.stop();
            stopped.countDown();
        }));
        stopped.await();
    }

    private static String required(String option, String value) {
        if (value == null) {
            System.err.println(option + " needs a value");
            System.exit(2);
        }
        return value;
    }
}
