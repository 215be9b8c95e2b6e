package dev.rlhfloop.bench;

import java.util.HashMap;
import java.util.Map;

/** The experiments' {@code key=value} arguments ({@code key} alone means {@code key=true}), read with defaults. */
record ExperimentArgs(Map<String, String> values) {

    static ExperimentArgs parse(String[] args) {
        Map<String, String> values = new HashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            values.put(eq < 0 ? arg : arg.substring(0, eq), eq < 0 ? "true" : arg.substring(eq + 1));
        }
        return new ExperimentArgs(values);
    }

    boolean has(String key) {
        return values.containsKey(key);
    }

    String textOr(String key, String fallback) {
        return values.getOrDefault(key, fallback);
    }

    int intOr(String key, int fallback) {
        return has(key) ? Integer.parseInt(values.get(key)) : fallback;
    }

    long longOr(String key, long fallback) {
        return has(key) ? Long.parseLong(values.get(key)) : fallback;
    }

    float floatOr(String key, float fallback) {
        return has(key) ? Float.parseFloat(values.get(key)) : fallback;
    }

    double doubleOr(String key, double fallback) {
        return has(key) ? Double.parseDouble(values.get(key)) : fallback;
    }
}
