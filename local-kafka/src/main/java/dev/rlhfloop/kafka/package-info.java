/** A real single-node Apache Kafka broker (KRaft) in a child JVM, for tests and the local run. */
package dev.rlhfloop.kafka;
