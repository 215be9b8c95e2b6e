package dev.rlhfloop.service;

import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * {@code rlhf.threads} (env {@code RLHF_THREADS}): the kernels' thread count of a service that
 * computes (inference, trainer), set as llm-core's {@code llm.threads} before any other startup
 * work can run a kernel; an explicit {@code -Dllm.threads} wins. Unset: llm-core's default, every
 * core but one on machines with more than two cores.
 */
@ApplicationScoped
public class KernelThreadsSetting {

    @ConfigProperty(name = "rlhf.threads")
    Optional<Integer> threads;

    void apply(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent event) {
        if (threads.isEmpty()) return;
        if (threads.get() < 1) throw new IllegalArgumentException("rlhf.threads must be at least 1, was " + threads.get());
        // llm-core's KernelThreads.PROPERTY; this module does not depend on llm-core.
        if (System.getProperty("llm.threads") == null) System.setProperty("llm.threads", threads.get().toString());
    }
}
