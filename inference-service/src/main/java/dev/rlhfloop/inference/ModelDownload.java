package dev.rlhfloop.inference;

import dev.rlhfloop.llm.io.ModelArchive;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Locale;

/**
 * Fetches a published model archive ({@link ModelArchive}) by the URL and SHA-256 announced on the
 * registry topic. It lives here, not in llm-core, because only a serving replica downloads weights;
 * the engine itself never touches the network.
 */
final class ModelDownload {

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);
    /** Longest wait for the next bytes of a download. */
    private static final Duration READ_TIMEOUT = Duration.ofMinutes(2);

    private ModelDownload() {}

    /**
     * Downloads the archive at {@code url} ({@code http:}, {@code https:} or {@code file:}), checks
     * its SHA-256 against {@code expectedSha256} and unpacks it into {@code directory}. Nothing is
     * unpacked when the digest differs.
     */
    static void fetch(String url, String expectedSha256, Path directory) throws IOException {
        fetch(url, expectedSha256, directory, false, null);
    }

    /**
     * The same for a whole model or, with {@code adapter}, a LoRA adapter's archive (PEFT's files),
     * sending {@code authorization} with an HTTP request: this service's own credential (the trainer
     * serves weights to the admin and to services only); null sends none.
     */
    static void fetch(String url, String expectedSha256, Path directory, boolean adapter, String authorization) throws IOException {
        URI uri = parse(url);
        Files.createDirectories(directory);
        Path download = Files.createTempFile(directory, "download", ".zip");
        try {
            String actual = copy(uri, download, authorization);
            if (!actual.equalsIgnoreCase(expectedSha256)) {
                throw new ModelArchive.InvalidArchiveException("sha256 mismatch for " + url + ": announced " + expectedSha256
                        + ", downloaded " + actual);
            }
            if (adapter) ModelArchive.unpackAdapter(download, directory);
            else ModelArchive.unpack(download, directory);
        } finally {
            Files.deleteIfExists(download);
        }
    }

    /**
     * Downloads and unpacks an archive that is published beside a version's weights but not announced
     * (a reward model: {@code files} must all be in it); false when there is none at {@code url}
     * (HTTP 404, or no such file). No digest to check: it comes from the trainer that announced the
     * version, over the same authenticated request as its weights.
     */
    static boolean fetchIfPresent(String url, Path directory, java.util.List<String> files, String authorization) throws IOException {
        URI uri = parse(url);
        Files.createDirectories(directory);
        Path download = Files.createTempFile(directory, "download", ".zip");
        try {
            if (uri.getScheme().equalsIgnoreCase("file") && !Files.isRegularFile(Path.of(uri))) return false;
            try {
                copy(uri, download, authorization);
            } catch (NotFound e) {
                return false;
            }
            ModelArchive.unpack(download, directory, files);
            return true;
        } finally {
            Files.deleteIfExists(download);
        }
    }

    /** HTTP 404: nothing is published at the URL. */
    private static final class NotFound extends IOException {
        NotFound(String message) {
            super(message);
        }
    }

    private static String copyDigesting(InputStream in, Path target) throws IOException {
        try (java.io.OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(target), 1 << 16)) {
            return ModelArchive.sha256(in, out);
        }
    }

    private static URI parse(String url) throws IOException {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new IOException("not a URL: " + url);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("file") && !scheme.equals("http") && !scheme.equals("https")) {
            throw new IOException("cannot fetch " + url + ": only http, https and file URLs are supported");
        }
        return uri;
    }

    /** Copies the archive at {@code uri} to {@code target}; returns the SHA-256 of its bytes, taken as they arrive (no second read). */
    private static String copy(URI uri, Path target, String authorization) throws IOException {
        if (uri.getScheme().equalsIgnoreCase("file")) {
            Path source = Path.of(uri);
            if (!Files.isRegularFile(source)) {
                throw new IOException("cannot fetch " + uri + ": no such file");
            }
            try (InputStream in = Files.newInputStream(source)) {
                return copyDigesting(in, target);
            }
        }
        // HttpURLConnection reads the socket on this thread: the JDK HttpClient hands the body over from
        // its selector thread in small buffers, which took 0.3-0.5 s for 14.7 MB over loopback on a busy
        // machine (2-4 s over HTTP/2, which it offers by default), against 25-55 ms read here
        HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection();
        connection.setConnectTimeout((int) CONNECT_TIMEOUT.toMillis());
        connection.setReadTimeout((int) READ_TIMEOUT.toMillis());
        connection.setInstanceFollowRedirects(true);
        if (authorization != null) connection.setRequestProperty("Authorization", authorization);
        try {
            int status = connection.getResponseCode();
            if (status == 404) throw new NotFound("cannot fetch " + uri + ": HTTP 404");
            if (status != 200) throw new IOException("cannot fetch " + uri + ": HTTP " + status);
            try (InputStream in = connection.getInputStream()) {
                return copyDigesting(in, target);
            }
        } finally {
            // an error's body is read to its end, so the connection is kept for the next download
            InputStream error = connection.getErrorStream();
            if (error != null) {
                try (error) {
                    error.transferTo(java.io.OutputStream.nullOutputStream());
                }
            }
        }
    }
}
