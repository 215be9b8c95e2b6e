package dev.rlhfloop.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.rlhfloop.web.ApiRoutes.Upstream;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * {@code GET /api/openapi.yaml}: one OpenAPI document of the public API, merged from the documents
 * the services generate ({@code /q/openapi}). Only the paths the gateway routes to a service are
 * kept (so {@code /internal/*}, {@code /info}, {@code /smoke} and {@code /q/*} stay out), each
 * operation is tagged with its service and gets the gateway's own 503 and 504 answers, only the
 * schemas those paths use are copied, and the gateway's own operations come from
 * {@code openapi-gateway.yaml}. A service's document is fetched once and kept; while a service
 * cannot be reached its operations are missing and the description says so.
 */
@ApplicationScoped
public class OpenApiDocument {
    private static final Logger LOG = Logger.getLogger(OpenApiDocument.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final YAMLMapper YAML = YAMLMapper.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES, YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
            .build();
    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options");

    private final ApiRoutes routes;
    private final ObjectNode gatewayPart = gatewayPart();
    private final Map<String, JsonNode> documents = new ConcurrentHashMap<>();
    private HttpClient client;

    OpenApiDocument(ApiRoutes routes) {
        this.routes = routes;
    }

    void register(@Observes Router router, Vertx vertx) {
        this.client = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(2000));
        // before the gateway's /api/* proxy, which would send this path to no service
        router.get("/api/openapi.yaml").order(-100).handler(this::serve);
    }

    private void serve(RoutingContext ctx) {
        List<Upstream> upstreams = routes.upstreams();
        Future.join(upstreams.stream().map(this::documentOf).toList()).onComplete(done -> {
            String yaml;
            try {
                yaml = YAML.writeValueAsString(merge(upstreams));
            } catch (IOException e) {
                ctx.fail(e);
                return;
            }
            ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/yaml; charset=utf-8")
                    .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
                    .end(yaml);
        });
    }

    /** A service's generated document: kept once fetched (a service's API changes only with its code, i.e. a restart of the stack). */
    private Future<JsonNode> documentOf(Upstream upstream) {
        JsonNode known = documents.get(upstream.name());
        if (known != null) return Future.succeededFuture(known);
        RequestOptions request = new RequestOptions().setMethod(HttpMethod.GET)
                .setAbsoluteURI(upstream.baseUrl().resolve("/q/openapi?format=json").toString())
                .putHeader(HttpHeaders.ACCEPT, "application/json").setTimeout(10_000);
        return client.request(request)
                .compose(req -> req.send())
                .compose(res -> res.statusCode() == 200 ? res.body() : Future.failedFuture("answered " + res.statusCode()))
                .map(body -> {
                    JsonNode document = parse(body);
                    documents.put(upstream.name(), document);
                    return document;
                })
                .onFailure(e -> LOG.debugf("no OpenAPI document from %s: %s", upstream.name(), e.getMessage()));
    }

    private static JsonNode parse(Buffer body) {
        try {
            return JSON.readTree(body.getBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The gateway's part, with every public operation of the services fetched so far. */
    ObjectNode merge(List<Upstream> upstreams) {
        ObjectNode merged = gatewayPart.deepCopy();
        ObjectNode paths = (ObjectNode) merged.get("paths");
        ObjectNode schemas = ((ObjectNode) merged.get("components")).putObject("schemas");
        Deque<String> wanted = new ArrayDeque<>();
        List<String> missing = new java.util.ArrayList<>();
        for (Upstream upstream : upstreams) {
            JsonNode document = documents.get(upstream.name());
            if (document == null) {
                missing.add(upstream.name());
                continue;
            }
            document.path("paths").properties().forEach(path -> {
                if (!routedTo(path.getKey(), upstream)) return;
                ObjectNode operations = path.getValue().deepCopy();
                operations.properties().forEach(op -> {
                    if (!METHODS.contains(op.getKey())) return;
                    ObjectNode operation = (ObjectNode) op.getValue();
                    operation.putArray("tags").add(upstream.name());
                    ObjectNode responses = operation.with("responses");
                    if (!responses.has("503")) responses.putObject("503").put("$ref", "#/components/responses/ServiceUnavailable");
                    if (!responses.has("504")) responses.putObject("504").put("$ref", "#/components/responses/Timeout");
                });
                paths.set(path.getKey(), operations);
                collectRefs(operations, wanted);
            });
        }
        collectRefs(merged.get("components").get("responses"), wanted);
        Set<String> copied = new LinkedHashSet<>();
        while (!wanted.isEmpty()) {
            String name = wanted.pop();
            if (!copied.add(name)) continue;
            JsonNode schema = schemaNamed(name, upstreams);
            if (schema == null) continue;
            schemas.set(name, schema.deepCopy());
            collectRefs(schema, wanted);
        }
        if (!missing.isEmpty()) {
            ObjectNode info = (ObjectNode) merged.get("info");
            info.put("description", info.get("description").asText() + "\nNot reachable now, so left out of this document: "
                    + String.join(", ", missing) + ".\n");
        }
        return merged;
    }

    /** Whether the gateway sends {@code path} (a template such as /api/comparisons/{id}) to {@code upstream}. */
    private boolean routedTo(String path, Upstream upstream) {
        return path.startsWith("/api/") && routes.forPath(path).map(Upstream::name).filter(upstream.name()::equals).isPresent();
    }

    private JsonNode schemaNamed(String name, List<Upstream> upstreams) {
        for (Upstream upstream : upstreams) {
            JsonNode document = documents.get(upstream.name());
            JsonNode schema = document == null ? null : document.path("components").path("schemas").get(name);
            if (schema != null) return schema;
        }
        return null;
    }

    /** Adds the schema names that {@code node} refers to ("#/components/schemas/NAME"). */
    private static void collectRefs(JsonNode node, Deque<String> into) {
        if (node == null) return;
        if (node.isObject() && node.has("$ref")) {
            String ref = node.get("$ref").asText();
            if (ref.startsWith("#/components/schemas/")) into.add(ref.substring("#/components/schemas/".length()));
        }
        if (node.isContainerNode()) node.forEach(child -> collectRefs(child, into));
    }

    private static ObjectNode gatewayPart() {
        try (InputStream in = OpenApiDocument.class.getResourceAsStream("openapi-gateway.yaml")) {
            if (in == null) throw new IllegalStateException("openapi-gateway.yaml is missing beside " + OpenApiDocument.class.getName());
            return (ObjectNode) YAML.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
