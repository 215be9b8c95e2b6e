package dev.rlhfloop.web;

import io.smallrye.config.ConfigMapping;
import java.net.URI;

/**
 * Base URLs of the services behind the one public URL. Set in application.properties and
 * overridable by environment, e.g. {@code RLHF_SERVICES_INFERENCE=http://inference:8081}.
 */
@ConfigMapping(prefix = "rlhf.services")
public interface ServicesConfig {
    URI inference();

    URI feedback();

    URI trainer();
}
