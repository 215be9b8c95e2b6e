/** Benchmarks: each main class prints its own figures and the peer's, from the same run, side by side. */
package dev.rlhfloop.bench;
