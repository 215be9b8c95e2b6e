package dev.rlhfloop.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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

    @Test
    void givesTheAvx512CoreWhereOpenBlasChoseOneWithoutItOnAnAvx512Cpu() {
        Set<String> avx512 = Set.of("avx2", "fma", "avx512f", "avx512bw");
        assertEquals(Optional.of("SkylakeX"), PeerBlas.betterCore(Optional.of("Haswell"), avx512));
        assertEquals(Optional.of("SkylakeX"), PeerBlas.betterCore(Optional.of("Zen"), avx512));
        assertTrue(PeerBlas.fallsShort("Haswell", avx512));
    }

    @Test
    void leavesOpenBlasAloneWhereItsChoiceStands() {
        Set<String> avx512 = Set.of("avx2", "fma", "avx512f");
        assertEquals(Optional.empty(), PeerBlas.betterCore(Optional.of("SkylakeX"), avx512));
        assertEquals(Optional.empty(), PeerBlas.betterCore(Optional.of("Cooperlake"), avx512));
        assertFalse(PeerBlas.fallsShort("Cooperlake", avx512));
        // no AVX-512 on the CPU, or no OpenBLAS at all
        assertEquals(Optional.empty(), PeerBlas.betterCore(Optional.of("Haswell"), Set.of("avx2", "fma")));
        assertFalse(PeerBlas.fallsShort("Haswell", Set.of("avx2", "fma")));
        assertEquals(Optional.empty(), PeerBlas.betterCore(Optional.empty(), avx512));
    }

    @Test
    void theCoreTypeIsInheritedRemovedOrSet() {
        Map<String, String> environment = new HashMap<>(Map.of("OPENBLAS_CORETYPE", "Haswell", "PATH", "/usr/bin"));
        PeerBlas.CoreType.INHERITED.applyTo(environment);
        assertEquals("Haswell", environment.get("OPENBLAS_CORETYPE"));
        new PeerBlas.CoreType(true, Optional.empty()).applyTo(environment);
        assertFalse(environment.containsKey("OPENBLAS_CORETYPE"));
        new PeerBlas.CoreType(true, Optional.of("SkylakeX")).applyTo(environment);
        assertEquals("SkylakeX", environment.get("OPENBLAS_CORETYPE"));
        assertEquals("/usr/bin", environment.get("PATH"));
    }

    @Test
    void dropsAnInheritedCoreOnlyWhenItFallsShortOfTheCpu() {
        Set<String> avx512 = Set.of("avx2", "fma", "avx512f");
        assertTrue(PeerBlas.withoutShortInherited("Haswell", avx512).unset());
        assertEquals(PeerBlas.CoreType.INHERITED, PeerBlas.withoutShortInherited("SkylakeX", avx512));
        assertEquals(PeerBlas.CoreType.INHERITED, PeerBlas.withoutShortInherited("Haswell", Set.of("avx2", "fma")));
        assertEquals(PeerBlas.CoreType.INHERITED, PeerBlas.withoutShortInherited(null, avx512));
    }
}
