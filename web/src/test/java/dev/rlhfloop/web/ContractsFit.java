package dev.rlhfloop.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.util.List;

/**
 * Whether a stand-in's body reads as the contracts record the real service answers with (the
 * record its generated OpenAPI schema is made from): no unknown field, no value of the wrong type,
 * no null where a number belongs.
 */
final class ContractsFit {
    private static final ObjectMapper STRICT = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();

    private ContractsFit() {}

    /** Empty when {@code body} fits {@code type}; otherwise what does not. */
    static List<String> problems(String body, Class<?> type) {
        try {
            STRICT.readValue(body, type);
            return List.of();
        } catch (JsonProcessingException e) {
            return List.of(type.getSimpleName() + ": " + e.getOriginalMessage());
        }
    }
}
