/**
 * The events of the RLHF loop and how they travel through Kafka.
 *
 * <p>Every event is a record with a {@code schemaVersion} and validates itself on construction, so an
 * event that exists is complete. Compatibility rules, kept by {@link dev.rlhfloop.contracts.Json} and
 * the tests under {@code src/test/resources/schema}: a new version only adds optional fields (absent
 * ones read as their default); readers ignore fields they do not know; events without a
 * {@code schemaVersion} are version 1; the JSON of every released version stays readable, checked
 * against frozen fixtures.
 */
package dev.rlhfloop.contracts;
