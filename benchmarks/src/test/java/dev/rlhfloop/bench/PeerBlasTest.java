package dev.rlhfloop.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PeerBlasTest {

    @Test
    void acceptsOpenBlasBehindTheAlternative() {
        assertEquals(Optional.empty(), PeerBlas.refusal(List.of(
                Path.of("/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3"))));
    }

    @Test
    void refusesDebiansReferenceBlasWithTheCommandThatFixesIt() {
        Optional<String> refusal = PeerBlas.refusal(List.of(Path.of("/usr/lib/x86_64-linux-gnu/blas/libblas.so.3")));
        assertTrue(refusal.isPresent());
        assertTrue(refusal.get().contains("/usr/lib/x86_64-linux-gnu/blas/libblas.so.3"), refusal.get());
        assertTrue(refusal.get().contains("update-alternatives --set"), refusal.get());
    }

    @Test
    void refusesWhenTheProbeSawNoBlasAtAll() {
        assertTrue(PeerBlas.refusal(List.of()).orElseThrow().contains("no BLAS library"));
    }
}
