package dev.rlhfloop.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Free ports on 127.0.0.1 for servers this JVM starts: the broker's, and the services' of a stack
 * started for tests or benchmarks.
 */
public final class LoopbackPorts {

    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    private LoopbackPorts() {}

    /**
     * A free port this JVM has not handed out before. A stack's ports are picked before any of its
     * servers binds one, and the kernel may give a port just closed again: two instances once got
     * the same port, and the second one's readiness check was answered by the first.
     */
    public static int free() {
        while (true) {
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(LocalKafka.HOST))) {
                if (HANDED_OUT.add(socket.getLocalPort())) return socket.getLocalPort();
            } catch (IOException e) {
                throw new UncheckedIOException("no free port on " + LocalKafka.HOST, e);
            }
        }
    }
}
