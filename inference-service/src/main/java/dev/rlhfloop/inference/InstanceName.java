package dev.rlhfloop.inference;

import dev.rlhfloop.contracts.ComparisonIds;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.security.SecureRandom;
import java.util.Random;
import org.jboss.logging.Logger;

/**
 * The name this instance goes by (rlhf.inference.instance, else random per process): comparison ids
 * begin with it, and every answer, health checks included, names it in a header, which is how the
 * gateway learns which address holds which comparisons.
 */
@ApplicationScoped
public class InstanceName {
    private final String name;

    InstanceName(InferenceConfig config) {
        this.name = config.instance().orElseGet(InstanceName::random);
        if (!ComparisonIds.INSTANCE_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("rlhf.inference.instance must be 1 to 40 letters, digits or '-', was '" + name + "'");
        }
    }

    private static String random() {
        Random random = new SecureRandom();
        StringBuilder name = new StringBuilder("i");
        for (int i = 0; i < 6; i++) name.append(Character.forDigit(random.nextInt(36), 36));
        return name.toString();
    }

    public String name() {
        return name;
    }

    String newComparisonId() {
        return ComparisonIds.newId(name);
    }

    void register(@Observes Router router) {
        Logger.getLogger(InstanceName.class).infof("inference instance %s: comparison ids begin with '%s.'", name, name);
        router.route().order(Integer.MIN_VALUE).handler(ctx -> {
            ctx.response().putHeader(ComparisonIds.INSTANCE_HEADER, name);
            ctx.next();
        });
    }
}
