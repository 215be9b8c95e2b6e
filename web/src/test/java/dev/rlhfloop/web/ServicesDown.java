package dev.rlhfloop.web;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/** Points every service URL at a port nobody listens on: the first start, before the stack is up. */
public class ServicesDown implements QuarkusTestResourceLifecycleManager {
    @Override
    public Map<String, String> start() {
        return Map.of(
                "rlhf.services.inference", "http://127.0.0.1:" + GatewayUpstream.closedPort(),
                "rlhf.services.feedback", "http://127.0.0.1:" + GatewayUpstream.closedPort(),
                "rlhf.services.trainer", "http://127.0.0.1:" + GatewayUpstream.closedPort());
    }

    @Override
    public void stop() {}
}
