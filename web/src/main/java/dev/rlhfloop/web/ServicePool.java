package dev.rlhfloop.web;

import dev.rlhfloop.web.ApiRoutes.Upstream;
import io.vertx.core.Future;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * The instances of one service: every address its configured URLs resolve to (a compose service
 * name resolves to each of its replicas), handed out round robin. An instance that refused a
 * connection is passed over for {@code retryAfterNanos} and then tried again in its turn, so one
 * that comes back gets its share again within that time. When every instance is marked down they
 * are all tried anyway: the mark only orders the attempts, it never refuses a request.
 */
final class ServicePool {
    private static final Logger LOG = Logger.getLogger(ServicePool.class);

    /** One address of the service. Its name is what the instance calls itself (learned from its answers). */
    static final class Instance {
        final URI url;
        final String host;
        final int port;
        private volatile String name;
        private volatile long downUntilNanos;
        private volatile boolean down;

        Instance(URI url, String host) {
            this.url = url;
            this.host = host;
            this.port = url.getPort() > 0 ? url.getPort() : 80;
        }

        /** The address requests go to, e.g. {@code http://172.18.0.5:8081} for {@code http://inference-service:8081}. */
        String address() {
            return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }

        Optional<String> name() {
            return Optional.ofNullable(name);
        }

        void named(String name) {
            if (name != null && !name.equals(this.name)) {
                LOG.debugf("%s is instance %s", address(), name);
                this.name = name;
            }
        }

        boolean markedDown(long now) {
            return down && now < downUntilNanos;
        }
    }

    private final Upstream upstream;
    private final long retryAfterNanos;
    private final AtomicInteger next = new AtomicInteger();
    private volatile List<Instance> instances;
    private static final long ASK_AGAIN_NANOS = TimeUnit.SECONDS.toNanos(1);
    private Future<Void> asking;
    private long askedNanos;

    ServicePool(Upstream upstream, long retryAfterNanos) {
        this.upstream = upstream;
        this.retryAfterNanos = retryAfterNanos;
        this.instances = upstream.baseUrls().stream().map(url -> new Instance(url, url.getHost())).toList();
    }

    Upstream upstream() {
        return upstream;
    }

    String name() {
        return upstream.name();
    }

    List<Instance> instances() {
        return instances;
    }

    /**
     * Looks the configured host names up again (blocking: call it off the event loop). Instances
     * that keep their address keep their state; an address that no longer resolves is dropped.
     */
    void resolve() {
        Map<String, Instance> known = new LinkedHashMap<>();
        instances.forEach(i -> known.put(i.address(), i));
        Map<String, Instance> now = new LinkedHashMap<>();
        for (URI url : upstream.baseUrls()) {
            for (String host : addresses(url.getHost())) {
                Instance fresh = new Instance(url, host);
                now.putIfAbsent(fresh.address(), known.getOrDefault(fresh.address(), fresh));
            }
        }
        if (!now.keySet().equals(known.keySet())) {
            LOG.infof("%s instances: %s", name(), now.keySet());
        }
        instances = List.copyOf(now.values());
    }

    /** Every address of {@code host}; the name itself when it does not resolve (the error then says why). */
    private static List<String> addresses(String host) {
        try {
            List<String> all = new ArrayList<>();
            for (InetAddress address : InetAddress.getAllByName(host)) all.add(address.getHostAddress());
            return all.stream().distinct().toList();
        } catch (UnknownHostException e) {
            return List.of(host);
        }
    }

    /** The order in which to try the instances for one request: the next in turn first, instances marked down last. */
    List<Instance> turn() {
        List<Instance> all = instances;
        int start = Math.floorMod(next.getAndIncrement(), all.size());
        long now = System.nanoTime();
        List<Instance> up = new ArrayList<>(all.size());
        List<Instance> down = new ArrayList<>();
        for (int k = 0; k < all.size(); k++) {
            Instance instance = all.get((start + k) % all.size());
            (instance.markedDown(now) ? down : up).add(instance);
        }
        up.addAll(down);
        return up;
    }

    /** The instance that calls itself {@code name}, if one is known. */
    Optional<Instance> named(String name) {
        return instances.stream().filter(i -> name.equals(i.name)).findFirst();
    }

    /**
     * Asks every instance its name (with {@code ask}), at most once a second: requests for a
     * comparison whose owner no instance claims (it stopped) share one round of questions.
     */
    synchronized Future<Void> askNames(Function<ServicePool, Future<Void>> ask) {
        if (asking == null || (asking.isComplete() && System.nanoTime() - askedNanos > ASK_AGAIN_NANOS)) {
            askedNanos = System.nanoTime();
            asking = ask.apply(this);
        }
        return asking;
    }

    /** One log line when an instance goes down or comes back, not one per request. */
    void markDown(Instance instance, String why) {
        instance.downUntilNanos = System.nanoTime() + retryAfterNanos;
        if (!instance.down) {
            instance.down = true;
            LOG.warnf("%s is not reachable at %s: %s", name(), instance.address(), why);
        }
    }

    void markUp(Instance instance) {
        if (instance.down) {
            instance.down = false;
            LOG.infof("%s is reachable again at %s", name(), instance.address());
        }
    }

    /** The configured URLs, for messages: "http://127.0.0.1:8081, http://127.0.0.1:8181". */
    String urls() {
        return String.join(", ", upstream.baseUrls().stream().map(URI::toString).toList());
    }

    static Collection<ServicePool> of(List<Upstream> upstreams, long retryAfterNanos) {
        return upstreams.stream().map(u -> new ServicePool(u, retryAfterNanos)).toList();
    }
}
