package dev.rlhfloop.service.testing;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhfloop.contracts.OperatorMeter;
import io.restassured.response.Response;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One scrape of the service's {@code /q/metrics}, as Prometheus asks for it (text format 0.0.4),
 * read into samples: enough of the format to check the values of a service's meters.
 */
public final class PrometheusScrape {
    private static final Pattern SAMPLE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})?\\s+(\\S+)(?:\\s+\\d+)?");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    /** A line of the scrape: a series name, its labels and its value. */
    public record Sample(String name, Map<String, String> labels, double value) {}

    private final String text;
    private final List<Sample> samples = new ArrayList<>();

    PrometheusScrape(String text) {
        this.text = text;
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) continue;
            Matcher sample = SAMPLE.matcher(line.strip());
            assertTrue(sample.matches(), "not a Prometheus sample line: " + line);
            Map<String, String> labels = new LinkedHashMap<>();
            if (sample.group(2) != null) {
                Matcher label = LABEL.matcher(sample.group(2));
                while (label.find()) labels.put(label.group(1), label.group(2));
            }
            samples.add(new Sample(sample.group(1), labels, value(sample.group(3))));
        }
    }

    /** Java reads NaN but not Prometheus' spelling of infinity. */
    private static double value(String text) {
        return switch (text) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(text);
        };
    }

    /** Scrapes the service under test (rest-assured's base URI and port). */
    public static PrometheusScrape fetch() {
        Response response = given().accept("text/plain").when().get("/q/metrics");
        assertEquals(200, response.statusCode(), "/q/metrics answers");
        String contentType = response.contentType();
        assertTrue(contentType.startsWith("text/plain") && contentType.contains("version=0.0.4"),
                "Prometheus text format, not " + contentType);
        return new PrometheusScrape(response.asString());
    }

    public String text() {
        return text;
    }

    /** The samples of series {@code name} whose labels include every one of {@code labels}. */
    public List<Sample> samples(String name, Map<String, String> labels) {
        return samples.stream()
                .filter(s -> s.name().equals(name) && s.labels().entrySet().containsAll(labels.entrySet()))
                .toList();
    }

    /** The sum over the series {@code name} whose labels include {@code labels}; 0 when there are none. */
    public double sum(String name, Map<String, String> labels) {
        return samples(name, labels).stream().mapToDouble(Sample::value).sum();
    }

    /** The Prometheus type the scrape declares for {@code name} (counter, gauge, histogram...), or null. */
    public String typeOf(String name) {
        for (String line : text.split("\n")) {
            String[] words = line.strip().split("\\s+");
            if (words.length == 4 && words[0].equals("#") && words[1].equals("TYPE") && words[2].equals(name)) return words[3];
        }
        return null;
    }

    /** Every meter {@code service} registers is in the scrape, under its Prometheus name. */
    public void assertHasEveryMeterOf(String service) {
        List<OperatorMeter> meters = OperatorMeter.of(service);
        assertTrue(!meters.isEmpty(), "OperatorMeter lists meters of " + service);
        for (OperatorMeter meter : meters) {
            boolean timer = meter.prometheusName().endsWith("_seconds") && !samples(meter.prometheusName() + "_count", Map.of()).isEmpty();
            assertTrue(timer || !samples(meter.prometheusName(), Map.of()).isEmpty(),
                    meter + " (" + meter.prometheusName() + ") is not in /q/metrics of " + service);
        }
    }
}
