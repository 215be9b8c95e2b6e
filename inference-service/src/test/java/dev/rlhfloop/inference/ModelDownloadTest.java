package dev.rlhfloop.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.rlhfloop.contracts.ModelVersion;
import dev.rlhfloop.llm.io.ModelArchive;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelDownloadTest {

    @TempDir
    Path dir;

    @Test
    void fetchRestoresTheFiles() throws IOException {
        ModelVersion.Weights weights = TinyModels.packed(dir, "v1", 1, "main").weights();
        Path out = dir.resolve("fetched");
        ModelDownload.fetch(weights.url(), weights.sha256().toUpperCase(), out);
        for (String name : ModelArchive.FILES) {
            assertArrayEquals(Files.readAllBytes(dir.resolve("v1").resolve(name)), Files.readAllBytes(out.resolve(name)), name);
        }
    }

    @Test
    void aWrongDigestUnpacksNothing() throws IOException {
        ModelVersion.Weights weights = TinyModels.packed(dir, "v1", 1, "main").weights();
        Path out = dir.resolve("fetched");
        IOException e = assertThrows(ModelArchive.InvalidArchiveException.class,
                () -> ModelDownload.fetch(weights.url(), "0".repeat(64), out));
        assertTrue(e.getMessage().contains("sha256 mismatch"), e.getMessage());
        try (var files = Files.list(out)) {
            assertEquals(0, files.count());
        }
    }

    @Test
    void fetchesOverHttp() throws IOException {
        ModelVersion.Weights weights = TinyModels.packed(dir, "v1", 1, "main").weights();
        Path zip = Path.of(URI.create(weights.url()));
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/weights", exchange -> {
            byte[] body = Files.readAllBytes(zip);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        try {
            String base = "http://127.0.0.1:" + server.getAddress().getPort();
            Path out = dir.resolve("fetched");
            ModelDownload.fetch(base + "/weights", weights.sha256(), out);
            assertArrayEquals(Files.readAllBytes(dir.resolve("v1").resolve(ModelArchive.CONFIG_FILE)),
                    Files.readAllBytes(out.resolve(ModelArchive.CONFIG_FILE)));
            IOException missing = assertThrows(IOException.class,
                    () -> ModelDownload.fetch(base + "/nothing", weights.sha256(), dir.resolve("x")));
            assertTrue(missing.getMessage().contains("HTTP 404"), missing.getMessage());
        } finally {
            server.stop(0);
        }
    }

    @Test
    void refusesOtherSchemes() {
        assertThrows(IOException.class, () -> ModelDownload.fetch("ftp://x/y", "0".repeat(64), dir.resolve("out4")));
    }
}
