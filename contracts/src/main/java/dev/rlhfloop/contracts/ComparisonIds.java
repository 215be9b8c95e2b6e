package dev.rlhfloop.contracts;

import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * A comparison lives in the memory of the inference instance that started it, so its id names that
 * instance: {@code {instance}.{uuid}}. The gateway reads the name back to send a comparison's reads
 * and event stream to its owner; every inference answer carries the name in {@link #INSTANCE_HEADER},
 * which is how the gateway learns which address holds which name.
 */
public final class ComparisonIds {
    /** The response header naming the inference instance that answered. */
    public static final String INSTANCE_HEADER = "X-Rlhf-Instance";

    /** Letters, digits and '-': safe in a URL path and free of the id's separator. */
    public static final Pattern INSTANCE_NAME = Pattern.compile("[A-Za-z0-9-]{1,40}");

    private ComparisonIds() {}

    public static String newId(String instance) {
        return instance + "." + UUID.randomUUID();
    }

    /** The instance named by {@code id}, or empty for an id in another form. */
    public static Optional<String> owner(String id) {
        int dot = id.indexOf('.');
        return dot > 0 && INSTANCE_NAME.matcher(id.substring(0, dot)).matches()
                ? Optional.of(id.substring(0, dot)) : Optional.empty();
    }
}
