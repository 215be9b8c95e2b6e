package dev.rlhfloop.service.testing;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The base of a service's test class whose rest-assured answers under {@code /api/} must all fit the
 * OpenAPI document the service generates ({@code /q/openapi}): checking starts before its first test and every
 * answer is judged after its last (see {@link OpenApiConformance} for why these are lifecycle
 * methods and not a JUnit extension).
 */
public abstract class AnswersFitTheOpenApiDocument {

    private static final OpenApiConformance OPENAPI = new OpenApiConformance();

    @BeforeAll
    protected static void checkAnswersAgainstTheOpenApiDocument() {
        OPENAPI.startChecking();
    }

    @AfterAll
    protected static void answersFitTheOpenApiDocument() {
        OPENAPI.assertEveryAnswerFit();
    }
}
