package dev.rlhfloop.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Which BLAS the PyTorch peer really runs on. Debian's torch calls whatever {@code libblas.so.3}
 * points to, and on a fresh machine that is the reference BLAS, which makes the peer ~10× slower
 * and every ratio against it meaningless. The peer process's own memory map is the ground truth:
 * this asks Python to import torch, run one product, and list the BLAS libraries it mapped.
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
            "print('\\n'.join(sorted(seen)))");

    private PeerBlas() {
    }

    /** The BLAS libraries the peer maps, as real paths (symlinks and alternatives resolved). */
    static List<Path> mappedByPeer(String python) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(python, "-c", PROBE).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new IllegalStateException("the PyTorch peer cannot start (" + output.strip().lines().reduce((a, b) -> b).orElse("")
                    + "): sudo apt-get install -y python3-torch libopenblas0-pthread");
        }
        return output.lines().filter(l -> !l.isBlank()).map(PeerBlas::realPath).toList();
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
