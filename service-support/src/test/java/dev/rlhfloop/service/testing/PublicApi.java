package dev.rlhfloop.service.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * An OpenAPI document (a service's generated {@code /q/openapi}, or the gateway's merged
 * {@code /api/openapi.yaml}) and the checks that keep it honest: which operations it documents, and
 * whether a real answer fits the documented status and schema.
 */
public final class PublicApi {
    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options");

    /** A documented operation; {@code service} is its first tag (the gateway's merged document tags each operation with its service). */
    public record Operation(String method, String path, String service) {
        @Override
        public String toString() {
            return method + " " + path;
        }
    }

    private final String text;
    private final JsonNode root;

    /** {@code text}: the document, YAML or JSON. */
    public PublicApi(String text) {
        this.text = text;
        try {
            this.root = new ObjectMapper(new YAMLFactory()).readTree(text);
        } catch (IOException e) {
            throw new IllegalStateException("the OpenAPI document is not valid YAML: " + e.getMessage(), e);
        }
    }

    /** The document at {@code url}, e.g. http://127.0.0.1:8080/api/openapi.yaml or a service's /q/openapi. */
    public static PublicApi fetch(URI url) {
        try {
            HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (answer.statusCode() != 200) throw new IllegalStateException("GET " + url + " answered " + answer.statusCode() + ": " + answer.body());
            return new PublicApi(answer.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The document as served. */
    public String text() {
        return text;
    }

    /** The parsed document. */
    public JsonNode document() {
        return root;
    }

    public List<Operation> operations() {
        List<Operation> operations = new ArrayList<>();
        root.path("paths").fields().forEachRemaining(path -> path.getValue().fields().forEachRemaining(op -> {
            if (METHODS.contains(op.getKey())) {
                operations.add(new Operation(op.getKey().toUpperCase(Locale.ROOT), path.getKey(),
                        op.getValue().path("tags").path(0).asText(null)));
            }
        }));
        return operations;
    }

    /** The documented operations of one service, as "METHOD /path" in order. */
    public TreeSet<String> documentedRoutes(String service) {
        return operations().stream().filter(op -> service.equals(op.service())).map(Operation::toString)
                .collect(java.util.stream.Collectors.toCollection(TreeSet::new));
    }

    /** The documented operation a concrete request goes to, e.g. GET /api/comparisons/cmp-1 → GET /api/comparisons/{id}. */
    public Optional<Operation> find(String method, String concretePath) {
        return operations().stream()
                .filter(op -> op.method().equalsIgnoreCase(method) && matches(op.path(), concretePath))
                .findFirst();
    }

    /**
     * What is wrong with a real answer, measured against the document: an undocumented request or
     * status, a JSON body that misses a required field or has a field of the wrong type or value.
     * Empty when the answer fits.
     */
    public List<String> problems(String method, String concretePath, int status, String body) {
        Optional<Operation> op = find(method, concretePath);
        if (op.isEmpty()) return List.of(method + " " + concretePath + " is not documented");
        JsonNode responses = root.path("paths").path(op.get().path()).path(op.get().method().toLowerCase(Locale.ROOT)).path("responses");
        JsonNode response = responses.has(String.valueOf(status)) ? responses.get(String.valueOf(status)) : responses.get("default");
        String where = op.get() + " → " + status;
        if (response == null) return List.of(where + " is not a documented status (documented: " + fieldNames(responses) + ")");
        JsonNode schema = resolve(response).path("content").path("application/json").get("schema");
        if (schema == null) return List.of();
        JsonNode json;
        try {
            json = new ObjectMapper().readTree(body);
        } catch (IOException e) {
            return List.of(where + ": the body is not JSON: " + abbreviate(body));
        }
        List<String> problems = new ArrayList<>();
        validate(schema, json, "$", problems);
        return problems.stream().map(p -> where + ": " + p).toList();
    }

    private void validate(JsonNode schema, JsonNode value, String at, List<String> problems) {
        schema = resolve(schema);
        if (value == null || value.isMissingNode()) return;
        JsonNode types = schema.path("type");
        if (value.isNull()) {
            boolean nullable = schema.path("nullable").asBoolean(false);
            for (JsonNode t : types) nullable |= t.asText().equals("null");
            for (JsonNode part : schema.path("oneOf")) nullable |= resolve(part).path("type").asText("").equals("null");
            for (JsonNode part : schema.path("anyOf")) nullable |= resolve(part).path("type").asText("").equals("null");
            if (!nullable) problems.add(at + " is null, which the schema does not allow");
            return;
        }
        for (JsonNode part : schema.path("allOf")) validate(part, value, at, problems);
        String type = types.isArray() ? oneTypeOf(types) : types.asText("");
        boolean fits = switch (type) {
            case "object" -> value.isObject();
            case "array" -> value.isArray();
            case "string" -> value.isTextual();
            case "integer" -> value.isIntegralNumber();
            case "number" -> value.isNumber();
            case "boolean" -> value.isBoolean();
            default -> true;
        };
        if (!fits) {
            problems.add(at + " should be " + type + " but is " + abbreviate(value.toString()));
            return;
        }
        if (schema.has("enum")) {
            boolean listed = false;
            for (JsonNode allowed : schema.get("enum")) listed |= allowed.equals(value);
            if (!listed) problems.add(at + " is " + value + ", not one of " + schema.get("enum"));
        }
        if (value.isObject()) {
            for (JsonNode required : schema.path("required")) {
                if (!value.has(required.asText())) problems.add(at + " lacks the required field \"" + required.asText() + "\"");
            }
            JsonNode properties = schema.path("properties");
            JsonNode additional = schema.get("additionalProperties");
            for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                if (properties.has(field.getKey())) {
                    validate(properties.get(field.getKey()), field.getValue(), at + "." + field.getKey(), problems);
                } else if (additional != null && additional.isObject()) {
                    validate(additional, field.getValue(), at + "." + field.getKey(), problems);
                }
            }
        }
        if (value.isArray()) {
            if (schema.has("minItems") && value.size() < schema.get("minItems").asInt()) problems.add(at + " has fewer than " + schema.get("minItems") + " items");
            if (schema.has("maxItems") && value.size() > schema.get("maxItems").asInt()) problems.add(at + " has more than " + schema.get("maxItems") + " items");
            if (schema.has("items")) {
                for (int i = 0; i < value.size(); i++) validate(schema.get("items"), value.get(i), at + "[" + i + "]", problems);
            }
        }
    }

    /** The one non-null type of an OpenAPI 3.1 type list such as ["string", "null"]; "" (anything) when there are several. */
    private static String oneTypeOf(JsonNode types) {
        List<String> named = new ArrayList<>();
        for (JsonNode t : types) if (!t.asText().equals("null")) named.add(t.asText());
        return named.size() == 1 ? named.get(0) : "";
    }

    /** Follows a local {@code $ref} ("#/components/..."). */
    private JsonNode resolve(JsonNode node) {
        while (node.has("$ref")) {
            String ref = node.get("$ref").asText();
            if (!ref.startsWith("#/")) throw new IllegalStateException("only local references are supported: " + ref);
            JsonNode target = root.at(ref.substring(1));
            if (target.isMissingNode()) throw new IllegalStateException("the document refers to " + ref + ", which it does not define");
            node = target;
        }
        return node;
    }

    static boolean matches(String template, String concretePath) {
        String[] t = template.split("/", -1);
        String[] c = concretePath.split("/", -1);
        if (t.length != c.length) return false;
        for (int i = 0; i < t.length; i++) {
            // a segment may mix a parameter with literal text, as in {what}.jsonl
            String pattern = java.util.Arrays.stream(t[i].split("\\{[^}]*}", -1))
                    .map(java.util.regex.Pattern::quote).collect(java.util.stream.Collectors.joining("[^/]+"));
            if (!c[i].matches(pattern)) return false;
        }
        return true;
    }

    private static TreeSet<String> fieldNames(JsonNode node) {
        TreeSet<String> names = new TreeSet<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static String abbreviate(String text) {
        return text.length() <= 200 ? text : text.substring(0, 200) + "…";
    }
}
