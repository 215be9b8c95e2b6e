package dev.rlhfloop.contracts;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;

/**
 * The one JSON mapper of the event contracts. Its settings are the compatibility rules: readers
 * ignore fields they do not know (a newer writer may add some), unknown values of open enums read
 * as their default, times are ISO-8601 strings, and absent optional fields are left out.
 */
public final class Json {
    private Json() {}

    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.READ_UNKNOWN_ENUM_VALUES_USING_DEFAULT_VALUE)
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .serializationInclusion(JsonInclude.Include.NON_NULL)
            .build();

    public static byte[] write(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + value.getClass().getSimpleName() + " as JSON", e);
        }
    }

    public static String writeString(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + value.getClass().getSimpleName() + " as JSON", e);
        }
    }

    /** Reads one value; any problem with the content becomes an {@link InvalidEventException} with a short reason. */
    public static <T> T read(byte[] json, Class<T> type) {
        try {
            return MAPPER.readValue(json, type);
        } catch (ValueInstantiationException e) {
            throw unwrap(e, type);
        } catch (IOException e) {
            throw malformed(e, type);
        }
    }

    public static <T> T read(String json, Class<T> type) {
        try {
            return MAPPER.readValue(json, type);
        } catch (ValueInstantiationException e) {
            throw unwrap(e, type);
        } catch (IOException e) {
            throw malformed(e, type);
        }
    }

    private static InvalidEventException unwrap(ValueInstantiationException e, Class<?> type) {
        for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
            if (cause instanceof InvalidEventException invalid) return invalid;
        }
        return malformed(e, type);
    }

    private static InvalidEventException malformed(IOException e, Class<?> type) {
        String reason = e instanceof JsonProcessingException jpe ? jpe.getOriginalMessage() : e.getMessage();
        return new InvalidEventException(type.getSimpleName() + ": malformed JSON: " + reason);
    }
}
