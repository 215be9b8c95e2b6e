package dev.rlhfloop.web;

import io.smallrye.config.ConfigMapping;
import java.net.URI;
import java.util.List;

/**
 * Base URLs of the services behind the one public URL, a comma-separated list of instances each.
 * Set in application.properties and overridable by environment, e.g.
 * {@code RLHF_SERVICES_INFERENCE=http://127.0.0.1:8081,http://127.0.0.1:8181}. A host name stands
 * for every address it resolves to (docker compose {@code --scale}), see {@link ServicePool}.
 */
@ConfigMapping(prefix = "rlhf.services")
public interface ServicesConfig {
    List<URI> inference();

    List<URI> feedback();

    List<URI> trainer();
}
