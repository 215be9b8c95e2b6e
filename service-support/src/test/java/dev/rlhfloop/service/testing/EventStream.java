package dev.rlhfloop.service.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A {@code text/event-stream} read on a daemon thread until it ends (or the test closes it): the
 * data of every event of one name on {@link #data}, every comment line on {@link #comments}.
 */
public record EventStream(BlockingQueue<String> data, BlockingQueue<String> comments) {

    public static EventStream follow(InputStream body, String eventName) {
        EventStream stream = new EventStream(new LinkedBlockingQueue<>(), new LinkedBlockingQueue<>());
        Thread reader = new Thread(() -> stream.read(body, eventName), eventName + "-events-reader");
        reader.setDaemon(true);
        reader.start();
        return stream;
    }

    private void read(InputStream body, String eventName) {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
            String event = null;
            StringBuilder value = new StringBuilder();
            for (String line; (line = lines.readLine()) != null; ) {
                if (line.isEmpty()) {
                    if (eventName.equals(event)) data.add(value.toString());
                    event = null;
                    value.setLength(0);
                } else if (line.startsWith(":")) {
                    comments.add(line);
                } else if (line.startsWith("event:")) {
                    event = line.substring("event:".length()).strip();
                } else if (line.startsWith("data:")) {
                    if (value.length() > 0) value.append('\n');
                    String part = line.substring("data:".length());
                    value.append(part.startsWith(" ") ? part.substring(1) : part);
                }
            }
        } catch (IOException e) {
            // the test closed the stream
        }
    }
}
