package dev.rlhfloop.service.auth;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A resource method only the admin may call (401 without credentials, 403 with a rater's);
 * {@code orService} also lets another service through with its own credential (e.g. inference
 * downloading the weights the trainer announced).
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.TYPE})
public @interface AdminOnly {
    boolean orService() default false;
}
