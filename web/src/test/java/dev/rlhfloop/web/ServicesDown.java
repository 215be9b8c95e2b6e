package dev.rlhfloop.web;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/** Points every service URL at port 1, where nothing listens (no race with a freed port): the stack not started yet. */
public class ServicesDown implements QuarkusTestResourceLifecycleManager {
    @Override
    public Map<String, String> start() {
        return Map.of(
                "rlhf.services.inference", "http://127.0.0.1:1",
                "rlhf.services.feedback", "http://127.0.0.1:1",
                "rlhf.services.trainer", "http://127.0.0.1:1");
    }

    @Override
    public void stop() {}
}
