package dev.rlhfloop.inference;

import dev.rlhfloop.contracts.ModelVersion;
import dev.rlhfloop.kafka.testing.LocalKafkaTestResource;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The broker, with the {@link #versions} a test names packed and announced on the registry before the service starts. */
public abstract class VersionsOnTheRegistry extends LocalKafkaTestResource {

    /** The versions to announce, packed into {@code work}, in their order. */
    protected abstract List<ModelVersion> versions(Path work);

    @Override
    public Map<String, String> start() {
        Map<String, String> config = super.start();
        TinyModels.onTheRegistry(config.get("kafka.bootstrap.servers"), this::versions);
        return config;
    }
}
