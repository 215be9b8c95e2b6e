package dev.rlhfloop.feedback;

import dev.rlhfloop.contracts.ModelVersion;
import dev.rlhfloop.contracts.api.Stats;
import dev.rlhfloop.feedback.streams.ComparisonState;
import dev.rlhfloop.feedback.streams.Leaderboard;
import dev.rlhfloop.feedback.streams.PartialStats;
import dev.rlhfloop.feedback.streams.RaterQualityReport;
import dev.rlhfloop.feedback.streams.StatsReport;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.streams.KafkaStreams;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The service's view of the topology's stores ({@link StoreQueries}): statistics gathered from every
 * instance, comparisons and partitions of this one.
 */
@ApplicationScoped
public class FeedbackStores {
    @Inject
    KafkaStreams streams;

    @ConfigProperty(name = "feedback.stats.baseline-version")
    Optional<String> configuredBaseline;

    @ConfigProperty(name = "feedback.stats.votes-per-minute-window", defaultValue = "60m")
    Duration votesPerMinuteWindow;

    /** How stale the leaderboard may be while votes stream in. */
    @ConfigProperty(name = "feedback.stats.leaderboard-refit-interval", defaultValue = "5s")
    Duration leaderboardRefitInterval;

    @Inject
    RaterDirectory raters;

    private StoreQueries queries;
    private Leaderboard leaderboard;

    @PostConstruct
    void init() {
        queries = new StoreQueries(streams, votesPerMinuteWindow);
        leaderboard = new Leaderboard(leaderboardRefitInterval, Clock.systemUTC());
    }

    /** What this instance knows of a comparison: its answers and who voted. */
    public Optional<ComparisonState> comparison(String comparisonId) {
        return queries.comparison(comparisonId);
    }

    /** What the instance that keeps the comparison knows of it (this one or another). */
    public StoreQueries.Lookup lookup(String comparisonId) {
        return queries.lookup(comparisonId);
    }

    /** The statistics of every instance together, without the votes of forgotten raters. */
    public Stats stats() {
        raters.awaitLoaded();
        PartialStats all = queries.everywhere(raters.forgotten()).withoutForgotten();
        List<ModelVersion> published = queries.published();
        String baseline = StatsReport.baseline(configuredBaseline, published);
        return StatsReport.withLines(StatsReport.of(all.totals(), all.byVersion(), baseline, all.votesPerMinute(),
                leaderboard.ratings(all.byVersion(), baseline)).withRaterQuality(RaterQualityReport.of(all.raterQuality())), published);
    }

    /** This instance's share of the statistics, for the other instances. */
    public PartialStats share() {
        raters.awaitLoaded();
        return queries.share(raters.forgotten());
    }
}
