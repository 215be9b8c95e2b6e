package dev.rlhfloop.service;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.junit.jupiter.api.Test;

class ApiErrorTest {
    /** The generated document lists the codes by hand (an annotation cannot read the enum): it must name every one. */
    @Test
    void theDocumentedErrorCodesNameEveryCode() throws Exception {
        List<String> documented = Arrays.asList(ApiError.class.getDeclaredField("error").getAnnotation(Schema.class).enumeration());
        for (ApiError.Code code : ApiError.Code.values()) {
            assertTrue(documented.contains(code.json()), code.json() + " is missing from ApiError's documented codes " + documented);
        }
    }
}
