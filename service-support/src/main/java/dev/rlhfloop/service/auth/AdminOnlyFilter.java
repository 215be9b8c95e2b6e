package dev.rlhfloop.service.auth;

import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ResourceInfo;
import java.lang.reflect.Method;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/** Checks {@link AdminOnly} in the service itself, so a caller reaching a service port directly is refused too. */
public class AdminOnlyFilter {
    @Inject
    Auth auth;

    @ServerRequestFilter
    public void check(ContainerRequestContext request, ResourceInfo resource) {
        Method method = resource.getResourceMethod();
        if (method == null) return;
        AdminOnly rule = method.getAnnotation(AdminOnly.class);
        if (rule == null) rule = resource.getResourceClass().getAnnotation(AdminOnly.class);
        if (rule == null) return;
        Caller caller = auth.identify(request.getHeaderString("Authorization"), request.getHeaderString("Cookie"));
        auth.requireAdmin(caller, rule.orService());
    }
}
