package dev.rlhfloop.stack;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;

/** One Quarkus application of the stack: where its jar is, its port, and the JVM options it needs. */
record Component(String name, int port, List<String> jvmOptions) {
    static final List<Component> ALL = List.of(
            new Component("inference-service", 8081, List.of()),
            new Component("feedback-service", 8082, List.of("-Xmx768m")),
            new Component("trainer-service", 8083, List.of()),
            new Component("web", 8080, List.of("-Xmx256m")));

    /** The Quarkus fast-jar that {@code mvn install} builds in the module of the same name. */
    Path jar(Path home) {
        return home.resolve(name).resolve("target/quarkus-app/quarkus-run.jar");
    }

    URI readiness() {
        return URI.create("http://127.0.0.1:" + port + "/q/health/ready");
    }
}
