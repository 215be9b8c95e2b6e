package dev.rlhfloop.web;

import dev.rlhfloop.e2e.SharedStack;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The web module's browser flow ({@link RateFlowBrowserIT}: rate by mouse and keyboard, votes on
 * the topic, the dashboard's count rises, a new version appears; screenshots e2e-rate.png and
 * e2e-dashboard.png) against the whole stack of this run, after LoopIT. {@link SharedStack} starts
 * the stack (or reuses LoopIT's) and sets {@code rlhf.e2e.url} and {@code rlhf.e2e.kafka} before
 * the browser test reads them. Runs with LoopIT; {@code -Drlhf.e2e.loop=false} skips both for a quick local run.
 */
@DisabledIfSystemProperty(named = "rlhf.e2e.loop", matches = "false")
@ExtendWith(SharedStack.class)
@Order(Order.DEFAULT + 2)
class RateFlowOnWholeStackIT extends RateFlowBrowserIT {
}
