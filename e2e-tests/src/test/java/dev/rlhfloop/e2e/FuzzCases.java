package dev.rlhfloop.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The requests of {@link PublicApiFuzzIT}: case {@code n} of a seed is always the same request. Each
 * picks an operation of an OpenAPI document, builds a valid request from its schema (path and query
 * parameters, JSON body) and applies one to three mutations.
 */
final class FuzzCases {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** A server and its OpenAPI document. */
    record Target(String origin, JsonNode document) {}

    /** One operation of a document: where, how, and the schema of its JSON body (null without one). */
    record Operation(String origin, String method, String path, List<JsonNode> parameters, JsonNode bodySchema, JsonNode document) {}

    /** Strings a server must take as plain data: markup, unicode edge cases, control characters, sizes. */
    static final List<String> HOSTILE_STRINGS = List.of(
            "", " ", "\t\n", "<img src=x onerror=alert(1)>", "</script><script>alert(1)</script>", "'\"`;--",
            "\u202Eevil\u200F", "\u0000", "\uFEFF", "😀👩‍👩‍👧‍👦", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "\uD800", "Z̴̡̪͇͚̓a̷̢͎͇l̶g̵o", "../../etc/passwd",
            "%00", "${jndi:ldap://127.0.0.1/a}", "{{7*7}}", "null", "-1", "1e309", "NaN", "A", "x".repeat(5_000),
            "é".repeat(70_000), "\\u0000", "a\r\nX-Injected: 1");

    private static final List<String> METHODS = List.of("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS");
    private static final List<String> CONTENT_TYPES = List.of("text/plain", "application/xml", "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x", "application/json; charset=utf-16", "application/json; charset=nope", "*/*", "");

    private final long seed;
    private final List<Operation> operations = new ArrayList<>();
    private final Map<String, String> credentials;

    FuzzCases(long seed, List<Target> targets, Map<String, String> credentials) {
        this.seed = seed;
        this.credentials = credentials;
        for (Target target : targets) {
            for (Iterator<Map.Entry<String, JsonNode>> paths = target.document().path("paths").fields(); paths.hasNext(); ) {
                Map.Entry<String, JsonNode> path = paths.next();
                for (Iterator<Map.Entry<String, JsonNode>> ops = path.getValue().fields(); ops.hasNext(); ) {
                    Map.Entry<String, JsonNode> op = ops.next();
                    String method = op.getKey().toUpperCase(java.util.Locale.ROOT);
                    if (!METHODS.contains(method)) continue;
                    List<JsonNode> parameters = new ArrayList<>();
                    path.getValue().path("parameters").forEach(parameters::add);
                    op.getValue().path("parameters").forEach(parameters::add);
                    JsonNode body = op.getValue().path("requestBody").path("content").path("application/json").path("schema");
                    operations.add(new Operation(target.origin(), method, path.getKey(), parameters, body.isMissingNode() ? null : body,
                            target.document()));
                }
            }
        }
        if (operations.isEmpty()) throw new IllegalStateException("no operation in the OpenAPI documents");
    }

    int operationCount() {
        return operations.size();
    }

    /** Case {@code n}: operations in turn, so every one gets its share. */
    PublicApiFuzzIT.Case next(int n) {
        Random random = new Random(seed * 1_000_003L + n);
        Operation op = operations.get(n % operations.size());
        String credential = List.of("nobody", "rater", "admin").get(random.nextInt(3));
        boolean admin = credential.equals("admin");
        boolean writes = !op.method().equals("GET");
        // The admin may only read, or send what no valid handler accepts: the shared stack's line must not change.
        boolean onlyBroken = admin && writes;
        if (onlyBroken && op.bodySchema() == null && op.parameters().stream().noneMatch(p -> "path".equals(p.path("in").asText()))) {
            credential = "rater";
            admin = false;
            onlyBroken = false;
        }

        Map<String, String> pathValues = new LinkedHashMap<>();
        Map<String, String> query = new LinkedHashMap<>();
        Map<String, String> headers = new LinkedHashMap<>();
        for (JsonNode p : op.parameters()) {
            String value = example(p.path("schema"), op.document(), random, 0).asText();
            switch (p.path("in").asText()) {
                case "path" -> pathValues.put(p.path("name").asText(), onlyBroken ? junkSegment(random) : value);
                case "query" -> { if (p.path("required").asBoolean() || random.nextBoolean()) query.put(p.path("name").asText(), value); }
                case "header" -> headers.put(p.path("name").asText(), value);
                default -> { }
            }
        }
        JsonNode body = op.bodySchema() == null ? null : example(op.bodySchema(), op.document(), random, 0);
        String bodyText = body == null ? (writes && random.nextInt(4) == 0 ? "{}" : null) : body.toString();
        String method = op.method();
        String path = op.path();
        if (bodyText != null) headers.put("Content-Type", "application/json");
        if (!credentials.get(credential).isEmpty()) headers.put("Authorization", credentials.get(credential));

        int mutations = 1 + random.nextInt(3);
        for (int m = 0; m < mutations; m++) {
            int kind = random.nextInt(onlyBroken ? 3 : 10);
            switch (kind) {
                case 0 -> bodyText = brokenBody(random);
                case 1 -> { if (!pathValues.isEmpty()) pathValues.replaceAll((k, v) -> junkSegment(random)); else bodyText = brokenBody(random); }
                case 2 -> {
                    headers.put("Content-Type", pick(random, CONTENT_TYPES));
                    if (bodyText == null) bodyText = brokenBody(random);
                }
                case 3 -> { if (body != null) bodyText = mutate(body.deepCopy(), random).toString(); else bodyText = brokenBody(random); }
                case 4 -> { if (body != null) bodyText = mutate(mutate(body.deepCopy(), random), random).toString(); }
                case 5 -> pathValues.replaceAll((k, v) -> pick(random, HOSTILE_STRINGS));
                case 6 -> query.put(pick(random, List.of("limit", "version", "line", "from", "x", "", "format")), pick(random, HOSTILE_STRINGS));
                case 7 -> headers.put(pick(random, List.of("Authorization", "Cookie", "Accept", "X-Forwarded-For", "Accept-Encoding",
                        "Content-Encoding", "X-Rater", "Range", "If-None-Match")), headerValue(random));
                case 8 -> method = pick(random, METHODS);
                default -> path = path + pick(random, List.of("/", "/x", "/..", "/%2e%2e/%2e%2e/q/health", "//", "/%00", "/" + "y".repeat(3_000),
                        "/\u00e9\u0301", ".json", ";jsessionid=1"));
            }
        }
        if (admin && !method.equals(op.method()) && !List.of("GET", "HEAD", "OPTIONS").contains(method)) method = "GET";
        if (onlyBroken && method.equals(op.method())) bodyText = brokenBody(random);
        if (method.equals("GET") || method.equals("HEAD") || method.equals("OPTIONS")) {
            // The JDK client sends no body with these; a body would be read as nothing anyway.
            if (!method.equals("GET") || bodyText != null) bodyText = null;
        }
        String resolved = resolve(path, pathValues) + queryString(query);
        return new PublicApiFuzzIT.Case(n, op.origin(), method, resolved, headers, bodyText, credential);
    }

    private static String resolve(String path, Map<String, String> values) {
        String resolved = path;
        for (Map.Entry<String, String> e : values.entrySet()) {
            resolved = resolved.replace("{" + e.getKey() + "}", URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8).replace("+", "%20"));
        }
        return resolved;
    }

    private static String queryString(Map<String, String> query) {
        if (query.isEmpty()) return "";
        StringBuilder q = new StringBuilder("?");
        query.forEach((k, v) -> q.append(q.length() > 1 ? "&" : "").append(URLEncoder.encode(k, StandardCharsets.UTF_8))
                .append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
        return q.toString();
    }

    /** A path segment no resource has: never a version number, rater or comparison that exists. */
    private static String junkSegment(Random random) {
        return pick(random, List.of("fuzz-" + Long.toHexString(random.nextLong()), "\u202E\u0000x", "-" + random.nextInt(1000) + ".5",
                "%", "..", "z".repeat(2_000 + random.nextInt(6_000)), "😀", " "));
    }

    private static String headerValue(Random random) {
        return pick(random, List.of("Bearer " + pick(random, List.of("", "x", "rlhf1.r.r-1.99999999999.AAAA", "rlhf1.a.admin.1.x", "null")),
                "Basic YWRtaW46YWRtaW4=", "rlhf_session=rlhf1.r.forged.1.x; rlhf_admin=guess", "x".repeat(9_000),
                "\u00e9\u00e8", "*/*;q=garbage", "999.999.999.999, ::1, <script>", "gzip, br, zstd, x", "bytes=0-0,1-1", "", " "));
    }

    /** Not a JSON document the operation takes: syntax errors, other top-level types, depth, size. */
    private static String brokenBody(Random random) {
        return switch (random.nextInt(12)) {
            case 0 -> "";
            case 1 -> "{";
            case 2 -> "{\"a\":}";
            case 3 -> "[]";
            case 4 -> "\"just a string\"";
            case 5 -> "null";
            case 6 -> "[".repeat(5_000) + "]".repeat(5_000);
            case 7 -> "{\"a\":".repeat(3_000) + "1" + "}".repeat(3_000);
            case 8 -> "{\"x\":\"" + "y".repeat(70_000) + "\"}";
            case 9 -> "\u0000\u0001\u00ff not json";
            case 10 -> "{\"a\":1,\"a\":2,\"a\":NaN}";
            default -> "<?xml version=\"1.0\"?><a/>";
        };
    }

    /** One change to a valid body: a field removed, retyped, given a hostile or extreme value, or an unknown field added. */
    private static JsonNode mutate(JsonNode node, Random random) {
        if (!(node instanceof ObjectNode object) || object.isEmpty()) {
            return random.nextBoolean() ? odd(random) : NODES.objectNode().set("unknown", odd(random));
        }
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        String name = pick(random, names);
        switch (random.nextInt(5)) {
            case 0 -> object.remove(name);
            case 1 -> object.set(name, odd(random));
            case 2 -> object.set(name, NODES.textNode(pick(random, HOSTILE_STRINGS)));
            case 3 -> object.set(pick(random, List.of("unknown", "rater", "raterId", "admin", "__proto__", "")), odd(random));
            default -> object.set(name, mutate(object.get(name), random));
        }
        return object;
    }

    /** A value of any JSON type, often extreme. */
    private static JsonNode odd(Random random) {
        return switch (random.nextInt(11)) {
            case 0 -> NODES.nullNode();
            case 1 -> NODES.booleanNode(random.nextBoolean());
            case 2 -> NODES.numberNode(Long.MAX_VALUE);
            case 3 -> NODES.numberNode(-1);
            case 4 -> NODES.numberNode(new java.math.BigInteger("9".repeat(400)));
            case 5 -> NODES.numberNode(1.5e300);
            case 6 -> NODES.arrayNode().add(1).add("two").addNull();
            case 7 -> NODES.objectNode().put("nested", "object");
            case 8 -> NODES.textNode(pick(random, HOSTILE_STRINGS));
            case 9 -> { ArrayNode many = NODES.arrayNode(); for (int i = 0; i < 20_000; i++) many.add(i); yield many; }
            default -> NODES.numberNode(0);
        };
    }

    /** A valid value of a schema: enums' first value, required and optional properties, a non-empty example string. */
    static JsonNode example(JsonNode schema, JsonNode document, Random random, int depth) {
        if (schema == null || schema.isMissingNode() || depth > 6) return NODES.textNode("x");
        if (schema.has("$ref")) {
            String ref = schema.get("$ref").asText();
            return example(document.at(ref.substring(1)), document, random, depth + 1);
        }
        for (String combined : List.of("allOf", "oneOf", "anyOf")) {
            if (schema.has(combined) && schema.get(combined).size() > 0) return example(schema.get(combined).get(0), document, random, depth + 1);
        }
        if (schema.has("enum") && schema.get("enum").size() > 0) {
            JsonNode values = schema.get("enum");
            return values.get(random.nextInt(values.size()));
        }
        String type = schema.path("type").isArray() ? schema.path("type").get(0).asText() : schema.path("type").asText("object");
        return switch (type) {
            case "string" -> NODES.textNode(switch (schema.path("format").asText()) {
                case "date-time" -> "2026-01-01T00:00:00Z";
                case "date" -> "2026-01-01";
                default -> schema.has("minLength") ? "x".repeat(Math.max(1, schema.get("minLength").asInt())) : "fuzz text";
            });
            case "integer" -> NODES.numberNode(Math.max(schema.path("minimum").asLong(0), 1));
            case "number" -> NODES.numberNode(0.5);
            case "boolean" -> NODES.booleanNode(random.nextBoolean());
            case "array" -> NODES.arrayNode().add(example(schema.path("items"), document, random, depth + 1));
            default -> {
                ObjectNode object = NODES.objectNode();
                for (Iterator<Map.Entry<String, JsonNode>> p = schema.path("properties").fields(); p.hasNext(); ) {
                    Map.Entry<String, JsonNode> property = p.next();
                    object.set(property.getKey(), example(property.getValue(), document, random, depth + 1));
                }
                yield object;
            }
        };
    }

    private static <T> T pick(Random random, List<T> values) {
        return values.get(random.nextInt(values.size()));
    }
}
