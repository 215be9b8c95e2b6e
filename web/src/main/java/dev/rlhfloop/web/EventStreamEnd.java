package dev.rlhfloop.web;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import java.util.function.Supplier;

/**
 * A service's event stream as the gateway relays it: when the service cuts it (the instance died),
 * the browser gets one last event from {@code lastEvent} and a normal end, rather than a reset it
 * cannot tell from a network hiccup.
 */
final class EventStreamEnd implements ReadStream<Buffer> {
    private final ReadStream<Buffer> upstream;
    private final Supplier<Buffer> lastEvent;
    private Handler<Buffer> handler;
    private Handler<Void> endHandler;
    private boolean ended;

    EventStreamEnd(ReadStream<Buffer> upstream, Supplier<Buffer> lastEvent) {
        this.upstream = upstream;
        this.lastEvent = lastEvent;
    }

    @Override
    public EventStreamEnd exceptionHandler(Handler<Throwable> handler) {
        upstream.exceptionHandler(handler == null ? null : this::cut);
        return this;
    }

    private void cut(Throwable cause) {
        if (ended) return;
        ended = true;
        try {
            if (handler != null) handler.handle(lastEvent.get());
            if (endHandler != null) endHandler.handle(null);
        } catch (IllegalStateException browserGone) {
            // the browser left first (that reset is what cut the service's stream): nobody to tell
        }
    }

    @Override
    public EventStreamEnd handler(Handler<Buffer> handler) {
        this.handler = handler;
        upstream.handler(handler);
        return this;
    }

    @Override
    public EventStreamEnd endHandler(Handler<Void> endHandler) {
        this.endHandler = endHandler;
        upstream.endHandler(endHandler == null ? null : v -> {
            if (!ended) {
                ended = true;
                endHandler.handle(null);
            }
        });
        return this;
    }

    @Override
    public EventStreamEnd pause() {
        upstream.pause();
        return this;
    }

    @Override
    public EventStreamEnd resume() {
        upstream.resume();
        return this;
    }

    @Override
    public EventStreamEnd fetch(long amount) {
        upstream.fetch(amount);
        return this;
    }
}
