package dev.rlhfloop.service.testing;

import io.restassured.RestAssured;
import io.restassured.filter.Filter;
import io.restassured.filter.FilterContext;
import io.restassured.response.Response;
import io.restassured.specification.FilterableRequestSpecification;
import io.restassured.specification.FilterableResponseSpecification;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Checks every {@code /api/} answer a test class gets through rest-assured against the OpenAPI
 * document the service generates (its {@code /q/openapi}, read at the first answer): its status must
 * be documented and its JSON body must fit the schema. {@link #startChecking()} runs before a test class's first test and
 * {@link #assertEveryAnswerFit()} after its last: a service's test class gets both by extending
 * {@link AnswersFitTheOpenApiDocument}.
 *
 * <p>Plain calls, not a JUnit extension, on purpose: a {@code @QuarkusTest} class (and the
 * rest-assured it uses) is loaded by Quarkus' class loader, where its lifecycle methods run and
 * resolve this class too; an extension lives in JUnit's loader and would put its filter on another
 * copy of rest-assured, checking nothing. {@link #assertEveryAnswerFit()} also fails when nothing
 * was checked, so such a mistake cannot pass unseen.
 */
public final class OpenApiConformance {
    private volatile PublicApi api;
    private final List<String> problems = new CopyOnWriteArrayList<>();
    private final AtomicInteger checked = new AtomicInteger();
    private final Filter filter = this::check;

    /** Against the document of the service that answers. */
    public OpenApiConformance() {
        this(null);
    }

    /** Against a given document. */
    public OpenApiConformance(PublicApi api) {
        this.api = api;
    }

    /** From now on every rest-assured answer under /api/ is checked. */
    public void startChecking() {
        problems.clear();
        checked.set(0);
        RestAssured.filters(filter);
    }

    /** Stops checking; fails naming every answer that did not fit, or when no /api/ answer was seen at all. */
    public void assertEveryAnswerFit() {
        RestAssured.replaceFiltersWith(RestAssured.filters().stream().filter(f -> f != filter).toList());
        if (checked.get() == 0) {
            throw new AssertionError("no /api/ answer was checked against the OpenAPI document: "
                    + "was startChecking() called from the test class's @BeforeAll?");
        }
        if (!problems.isEmpty()) {
            throw new AssertionError(problems.size() + " problem(s) in " + checked.get()
                    + " /api/ answers measured against the service's generated OpenAPI document:\n  "
                    + String.join("\n  ", problems));
        }
    }

    private Response check(FilterableRequestSpecification request, FilterableResponseSpecification expected, FilterContext next) {
        Response answer = next.next(request, expected);
        URI uri = URI.create(request.getURI());
        String path = uri.getPath();
        if (path.startsWith("/api/")) {
            if (api == null) api = PublicApi.fetch(uri.resolve("/q/openapi?format=json"));
            checked.incrementAndGet();
            problems.addAll(api.problems(request.getMethod(), path, answer.statusCode(), answer.asString()));
        }
        return answer;
    }
}
