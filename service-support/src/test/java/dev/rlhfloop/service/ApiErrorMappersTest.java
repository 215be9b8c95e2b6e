package dev.rlhfloop.service;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ApiErrorMappersTest {

    /** A refusal names the type a client sent wrongly, never where it lives in the code (found by PublicApiFuzzIT). */
    @Test
    void jacksonsTypeNamesLoseTheirPackages() {
        assertEquals("Cannot deserialize value of type `Choice` from String \"a.b.C\": not one of [A, B]",
                ApiErrorMappers.withoutPackages("Cannot deserialize value of type `dev.rlhfloop.contracts.Choice` from String \"a.b.C\": not one of [A, B]"));
        assertEquals("Cannot construct instance of `VoteRequest` (no String-argument constructor); `Map<String,Long>`, `Long`",
                ApiErrorMappers.withoutPackages("Cannot construct instance of `dev.rlhfloop.contracts.api.VoteRequest` (no String-argument constructor); "
                        + "`java.util.Map<java.lang.String,java.lang.Long>`, `java.lang.Long`"));
        assertEquals("", ApiErrorMappers.withoutPackages(null));
    }
}
