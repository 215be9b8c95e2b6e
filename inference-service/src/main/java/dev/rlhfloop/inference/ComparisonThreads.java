package dev.rlhfloop.inference;

import dev.rlhfloop.contracts.Slot;
import dev.rlhfloop.contracts.Turn;
import dev.rlhfloop.contracts.api.ThreadTurn;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The conversations behind multi-turn comparisons: a follow-up is a comparison of its own (new id,
 * same instance, so the gateway routes it like the first), and this remembers, per comparison that
 * continues one, the turn it is, the one it continues, the earlier turns as the rater saw them, and
 * each side's own conversation (each side continues its own answers). First turns are not kept here.
 */
@ApplicationScoped
public class ComparisonThreads {

    /** Turns a conversation may have; a longer one is refused (its context keeps only the recent turns anyway). */
    static final int MAX_TURNS = 50;

    /**
     * @param histories each slot's earlier turns, oldest first, whole (the context is cut anew each turn)
     * @param dropped   each slot's oldest earlier turns that did not fit its model's context this turn
     */
    record Thread(int turn, String previousId, List<ThreadTurn> shown, Map<Slot, List<Turn>> histories,
                  Map<Slot, Integer> dropped) {
        static final Thread FIRST = new Thread(1, null, List.of(), Map.of(Slot.A, List.of(), Slot.B, List.of()),
                Map.of(Slot.A, 0, Slot.B, 0));
    }

    @Inject
    InferenceConfig config;

    private Map<String, Thread> threads;

    void start(@Observes StartupEvent event) {
        int max = config.maxComparisons();
        threads = new LinkedHashMap<>(64, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Thread> eldest) {
                return size() > max;
            }
        };
    }

    /** The thread of {@code comparisonId}; a comparison that continues nothing is turn 1 with no history. */
    synchronized Thread of(String comparisonId) {
        return Optional.ofNullable(threads.get(comparisonId)).orElse(Thread.FIRST);
    }

    /** Records a comparison that continues {@code previous} (or starts from a shared history when previous is null). */
    synchronized void record(String comparisonId, Comparison previous, List<List<Turn>> histories,
                             List<ConversationPrompt.Fitted> fitted) {
        if (previous == null && histories.get(0).isEmpty()) return;
        List<ThreadTurn> shown = new ArrayList<>();
        int turn;
        if (previous == null) {
            histories.get(0).forEach(t -> shown.add(new ThreadTurn(t.prompt(), t.answer(), t.answer())));
            turn = histories.get(0).size() + 1;
        } else {
            Thread before = of(previous.id());
            shown.addAll(before.shown());
            shown.add(new ThreadTurn(previous.prompt(), textOf(previous, Slot.A), textOf(previous, Slot.B)));
            turn = before.turn() + 1;
        }
        threads.put(comparisonId, new Thread(turn, previous == null ? null : previous.id(), List.copyOf(shown),
                Map.of(Slot.A, List.copyOf(histories.get(0)), Slot.B, List.copyOf(histories.get(1))),
                Map.of(Slot.A, fitted.get(0).dropped(), Slot.B, fitted.get(1).dropped())));
    }

    /** Each side's conversation after {@code previous}'s answers: its earlier turns and this turn's own answer. */
    List<List<Turn>> continued(Comparison previous) {
        Thread before = of(previous.id());
        if (before.turn() >= MAX_TURNS) {
            throw new ComparisonService.BadRequestException("this conversation has " + MAX_TURNS
                    + " turns, the most one may have: start a new comparison");
        }
        List<List<Turn>> histories = new ArrayList<>();
        for (Slot slot : List.of(Slot.A, Slot.B)) {
            List<Turn> history = new ArrayList<>(before.histories().get(slot));
            history.add(new Turn(previous.prompt(), textOf(previous, slot)));
            histories.add(List.copyOf(history));
        }
        return histories;
    }

    private static String textOf(Comparison comparison, Slot slot) {
        return comparison.answers().stream().filter(a -> a.slot() == slot).findFirst().orElseThrow().snapshot().text();
    }
}
