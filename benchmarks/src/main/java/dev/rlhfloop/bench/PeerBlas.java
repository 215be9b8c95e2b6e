package dev.rlhfloop.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Which BLAS the PyTorch peer really runs on. Debian's torch calls whatever {@code libblas.so.3}
 * points to, and on a fresh machine that is the reference BLAS, which makes the peer ~10× slower
 * and every ratio against it meaningless. The peer process's own memory map is the ground truth:
 * this asks Python to import torch, run one product, and list the BLAS libraries it mapped.
 *
 * <p>OpenBLAS then picks its kernels by the CPU, unless {@code OPENBLAS_CORETYPE} names a core, and
 * a machine may set that for every process: these machines set {@code Haswell}, which holds
 * OpenBLAS to its AVX2 kernels on an AVX-512 AMD EPYC, where on its own it chooses {@code Cooperlake}
 * and runs the peer's training about a third faster. A release older than the CPU can fall back to
 * a core without AVX-512 too. So on a CPU with AVX-512 the peer runs without an inherited core that
 * lacks it, and with {@code SkylakeX} (OpenBLAS's AVX-512 kernels) if its own choice lacks it: the
 * peer uses the best kernels it has here, and the benchmark says which.
 */
final class PeerBlas {
    static final String FIX = "sudo apt-get install -y libopenblas0-pthread && sudo update-alternatives --set "
            + "libblas.so.3-x86_64-linux-gnu /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3";

    private static final String PROBE = String.join("\n",
            "import torch",
            "torch.ones(64, 64) @ torch.ones(64, 64)",
            "seen = set()",
            "for line in open('/proc/self/maps'):",
            "    parts = line.split()",
            "    if len(parts) >= 6 and ('blas' in parts[-1].lower() or 'mkl' in parts[-1].lower()):",
            "        seen.add(parts[-1])",
            "print('\\n'.join(sorted(seen)))",
            "import ctypes",
            "for path in sorted(seen):",
            "    try:",
            "        corename = ctypes.CDLL(path).openblas_get_corename",
            "    except (OSError, AttributeError):",
            "        continue",
            "    corename.restype = ctypes.c_char_p",
            "    print('core: ' + corename().decode())",
            "    break");

    /** OpenBLAS's cores with AVX-512 kernels (its names, lower case). */
    private static final Set<String> AVX512_CORES = Set.of("skylakex", "cooperlake", "sapphirerapids");
    /** The core the peer is given on an AVX-512 CPU whose OpenBLAS chose another. */
    static final String AVX512_CORE = "SkylakeX";

    /** What the probe saw: the BLAS libraries the peer maps, and the core OpenBLAS chose (empty when not OpenBLAS). */
    record Probe(List<Path> mapped, Optional<String> core) {}

    /** The peer's {@code OPENBLAS_CORETYPE}: the inherited one, or none ({@code unset}), or {@code value}. */
    record CoreType(boolean unset, Optional<String> value) {
        static final CoreType INHERITED = new CoreType(false, Optional.empty());

        void applyTo(Map<String, String> environment) {
            if (unset) environment.remove("OPENBLAS_CORETYPE");
            value.ifPresent(v -> environment.put("OPENBLAS_CORETYPE", v));
        }
    }

    /** The BLAS libraries the peer maps, as real paths (symlinks and alternatives resolved), and OpenBLAS's core. */
    static Probe probe(String python, CoreType coreType) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(python, "-c", PROBE).redirectErrorStream(true);
        coreType.applyTo(builder.environment());
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new IllegalStateException("the PyTorch peer cannot start (" + output.strip().lines().reduce((a, b) -> b).orElse("")
                    + "): sudo apt-get install -y python3-torch libopenblas0-pthread");
        }
        List<String> lines = output.lines().filter(l -> !l.isBlank()).toList();
        Optional<String> core = lines.stream().filter(l -> l.startsWith("core: ")).map(l -> l.substring(6).strip()).findFirst();
        List<Path> mapped = lines.stream().filter(l -> !l.startsWith("core: ")).map(PeerBlas::realPath).toList();
        return new Probe(mapped, core);
    }

    /** The peer's BLAS as it will run: what the probe saw under {@code coreType}, and what was changed from the inherited setting, and why. */
    record Setup(Probe probe, CoreType coreType, List<String> notes) {}

    /** Probes the peer with the core it should run on this CPU: no inherited core that falls short, an AVX-512 one where OpenBLAS's own does. */
    static Setup setUp(String python) throws IOException, InterruptedException {
        List<String> notes = new ArrayList<>();
        String inherited = System.getenv("OPENBLAS_CORETYPE");
        CoreType coreType = forThisCpu();
        if (coreType.unset()) {
            notes.add("OPENBLAS_CORETYPE=" + inherited + " in the environment would hold OpenBLAS to kernels without AVX-512 on this "
                    + "AVX-512 CPU; the peer runs without it");
        }
        Probe probe = probe(python, coreType);
        Optional<String> better = betterCore(probe.core(), CPU_FLAGS);
        if (better.isPresent()) {
            notes.add("OpenBLAS chose its " + probe.core().orElseThrow() + " core, without AVX-512, on this AVX-512 CPU; the peer runs "
                    + "with OPENBLAS_CORETYPE=" + better.get() + ", its AVX-512 kernels");
            coreType = new CoreType(true, better);
            probe = probe(python, coreType);
        }
        return new Setup(probe, coreType, List.copyOf(notes));
    }

    /** For a peer that cannot be probed (a C program): the inherited core, unless it falls short of this CPU. */
    static CoreType forThisCpu() {
        return withoutShortInherited(System.getenv("OPENBLAS_CORETYPE"), CPU_FLAGS);
    }

    /** Without the inherited {@code OPENBLAS_CORETYPE} when it falls short of the CPU, else as inherited. */
    static CoreType withoutShortInherited(String inherited, Set<String> cpuFlags) {
        return inherited != null && fallsShort(inherited, cpuFlags) ? new CoreType(true, Optional.empty()) : CoreType.INHERITED;
    }

    /** Whether {@code core} (an OpenBLAS core name) falls short of a CPU with these flags: AVX-512 there, not in its kernels. */
    static boolean fallsShort(String core, Set<String> cpuFlags) {
        return cpuFlags.contains("avx512f") && !AVX512_CORES.contains(core.toLowerCase(Locale.ROOT));
    }

    /** The core to give the peer when OpenBLAS's own {@code chosen} core falls short of the CPU; empty when it does not. */
    static Optional<String> betterCore(Optional<String> chosen, Set<String> cpuFlags) {
        return chosen.filter(core -> fallsShort(core, cpuFlags)).map(core -> AVX512_CORE);
    }

    /** This CPU's feature flags. */
    private static final Set<String> CPU_FLAGS = cpuFlags();

    /** The CPU's feature flags, from the first processor's {@code flags} line of /proc/cpuinfo (empty where there is none). */
    private static Set<String> cpuFlags() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith("flags")).findFirst()
                    .map(l -> Set.copyOf(Arrays.asList(l.substring(l.indexOf(':') + 1).strip().split("\\s+")))).orElse(Set.of());
        } catch (IOException e) {
            return Set.of();
        }
    }

    /** Why the peer must not be measured on these libraries, or empty when one is an optimised BLAS. */
    static Optional<String> refusal(List<Path> mapped) {
        boolean optimised = mapped.stream().map(p -> p.toString().toLowerCase(Locale.ROOT))
                .anyMatch(p -> p.contains("openblas") || p.contains("mkl"));
        if (optimised) return Optional.empty();
        String found = mapped.isEmpty() ? "no BLAS library" : mapped.toString();
        return Optional.of("the PyTorch peer runs on " + found + ", not OpenBLAS: its figures would be ~10x too slow "
                + "and every ratio against it fake. Fix: " + FIX);
    }

    private static Path realPath(String mapped) {
        Path path = Path.of(mapped.strip());
        try {
            return Files.exists(path) ? path.toRealPath() : path;
        } catch (IOException e) {
            return path;
        }
    }
}
