package dev.rlhfloop.contracts;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** The frozen JSON of each released schema version, as written by its producers. */
final class Fixtures {
    private Fixtures() {}

    static String read(String path) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/schema/" + path)) {
            if (in == null) throw new IllegalArgumentException("no fixture schema/" + path);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
