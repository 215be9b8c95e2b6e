package dev.rlhfloop.contracts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The public HTTP API's OpenAPI document ({@code openapi.yaml} beside this class), served by the
 * gateway at {@code /api/openapi.yaml}, and the checks that keep it honest: which operations it
 * documents, whether a real answer fits the documented status and schema, and which JAX-RS routes
 * a service really has.
 */
public final class PublicApi {
    public static final String RESOURCE = "openapi.yaml";
    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options");
    private static final Set<String> JAX_RS_METHODS = Set.of("GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS");

    /** A documented operation; {@code service} is its tag: the service that owns the path. */
    public record Operation(String method, String path, String service) {
        @Override
        public String toString() {
            return method + " " + path;
        }
    }

    private final String text;
    private final JsonNode root;

    private PublicApi(String text) {
        this.text = text;
        try {
            this.root = new ObjectMapper(new YAMLFactory()).readTree(text);
        } catch (IOException e) {
            throw new IllegalStateException("the OpenAPI document " + RESOURCE + " is not valid YAML: " + e.getMessage(), e);
        }
    }

    public static PublicApi load() {
        try (InputStream in = PublicApi.class.getResourceAsStream(RESOURCE)) {
            if (in == null) throw new IllegalStateException(RESOURCE + " is missing beside " + PublicApi.class.getName());
            return new PublicApi(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The document as written (YAML). */
    public String text() {
        return text;
    }

    /** The parsed document. */
    JsonNode document() {
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
            json = Json.MAPPER.readTree(body);
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
        if (value.isNull()) {
            if (!schema.path("nullable").asBoolean(false)) problems.add(at + " is null, which the schema does not allow");
            return;
        }
        for (JsonNode part : schema.path("allOf")) validate(part, value, at, problems);
        String type = schema.path("type").asText("");
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

    /**
     * Every {@code /api} route the JAX-RS resources of a service declare (its {@code @Path} classes
     * compiled beside {@code anchor}), as "METHOD /path". Read by reflection on
     * the annotations' names, so this module needs no JAX-RS.
     */
    public static TreeSet<String> jaxRsRoutes(Class<?> anchor) {
        Path classes;
        try {
            classes = Path.of(anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        if (!Files.isDirectory(classes)) throw new IllegalStateException("expected compiled classes in a directory, found " + classes);
        TreeSet<String> routes = new TreeSet<>();
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                String name = classes.relativize(file).toString().replace(file.getFileSystem().getSeparator(), ".").replaceAll("\\.class$", "");
                Class<?> type;
                try {
                    type = Class.forName(name, false, anchor.getClassLoader());
                } catch (ClassNotFoundException | LinkageError e) {
                    continue;
                }
                String base = pathOf(type.getAnnotations());
                if (base == null) continue;
                for (Method method : type.getMethods()) {
                    String httpMethod = httpMethod(method.getAnnotations());
                    if (httpMethod == null) continue;
                    String sub = pathOf(method.getAnnotations());
                    String path = join(base, sub);
                    if (path.equals("/api") || path.startsWith("/api/")) routes.add(httpMethod + " " + path);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return routes;
    }

    private static String pathOf(Annotation[] annotations) {
        for (Annotation a : annotations) {
            if (a.annotationType().getName().equals("jakarta.ws.rs.Path")) {
                try {
                    return (String) a.annotationType().getMethod("value").invoke(a);
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return null;
    }

    private static String httpMethod(Annotation[] annotations) {
        for (Annotation a : annotations) {
            String name = a.annotationType().getName();
            if (name.startsWith("jakarta.ws.rs.") && JAX_RS_METHODS.contains(a.annotationType().getSimpleName())) {
                return a.annotationType().getSimpleName();
            }
        }
        return null;
    }

    private static String join(String base, String sub) {
        String path = "/" + strip(base) + (sub == null || strip(sub).isEmpty() ? "" : "/" + strip(sub));
        return path.replaceAll("\\{([^}:]+):[^}]*}", "{$1}");
    }

    private static String strip(String segment) {
        return segment.replaceAll("^/+|/+$", "");
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
