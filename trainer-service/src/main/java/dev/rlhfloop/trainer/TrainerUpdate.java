package dev.rlhfloop.trainer;

import dev.rlhfloop.contracts.Algorithm;
import dev.rlhfloop.contracts.PreferencePair;
import dev.rlhfloop.contracts.Turn;
import dev.rlhfloop.contracts.ThumbsEvent;
import dev.rlhfloop.llm.data.AlpacaFormat;
import dev.rlhfloop.llm.data.InstructionData;
import dev.rlhfloop.llm.data.InstructionExample;
import dev.rlhfloop.llm.data.InstructionLoader;
import dev.rlhfloop.llm.data.Conversation;
import dev.rlhfloop.llm.rlhf.PolicyAlgorithm;
import dev.rlhfloop.llm.rlhf.TokenizedFeedback;
import dev.rlhfloop.llm.rlhf.UpdateSettings;
import dev.rlhfloop.llm.rlhf.TokenizedPreference;
import dev.rlhfloop.llm.rlhf.PolicyUpdate;
import dev.rlhfloop.llm.tokenizer.Tokenizer;
import dev.rlhfloop.llm.data.builtin.BuiltinData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Where the trainer meets llm-core's {@link PolicyUpdate}: its {@code rlhf.trainer.*} properties
 * laid over {@link UpdateSettings#defaults()}, the registry's name for an algorithm, and a pair
 * event as the engine's tokens.
 */
final class TrainerUpdate {

    private TrainerUpdate() {}

    /** The update settings the properties say; bad values fail here, naming the property. */
    static UpdateSettings settings(TrainerConfig config) {
        UpdateSettings d = UpdateSettings.defaults();
        PolicyAlgorithm algorithm = config.algorithm().map(text -> algorithmNamed(text).orElseThrow(() -> new IllegalArgumentException(
                "rlhf.trainer.algorithm must be one of " + PolicyAlgorithm.names() + ", was '" + text + "'"))).orElse(d.algorithm());
        try {
            TrainerConfig.Reward r = config.reward();
            UpdateSettings.Reward reward = new UpdateSettings.Reward(r.learningRate().orElse(d.reward().learningRate()),
                    r.epochs().orElse(d.reward().epochs()), r.holdOutEvery().orElse(d.reward().holdOutEvery()));
            TrainerConfig.Dpo p = config.dpo();
            UpdateSettings.Dpo dpo = new UpdateSettings.Dpo(p.beta().orElse(d.dpo().beta()), p.learningRate().orElse(d.dpo().learningRate()),
                    p.weightDecay().orElse(d.dpo().weightDecay()), p.epochs().orElse(d.dpo().epochs()));
            TrainerConfig.Rloo o = config.rloo();
            UpdateSettings.Rloo rloo = new UpdateSettings.Rloo(o.steps().orElse(d.rloo().steps()), o.samples().orElse(d.rloo().samples()),
                    o.promptsPerStep().orElse(d.rloo().promptsPerStep()), o.beta().orElse(d.rloo().beta()),
                    o.learningRate().orElse(d.rloo().learningRate()), o.maxNewTokens().orElse(d.rloo().maxNewTokens()));
            TrainerConfig.Ppo a = config.ppo();
            UpdateSettings.Ppo ppo = new UpdateSettings.Ppo(a.steps().orElse(d.ppo().steps()), a.samples().orElse(d.ppo().samples()),
                    a.promptsPerStep().orElse(d.ppo().promptsPerStep()), a.beta().orElse(d.ppo().beta()),
                    a.learningRate().orElse(d.ppo().learningRate()), a.maxNewTokens().orElse(d.ppo().maxNewTokens()),
                    a.epochs().orElse(d.ppo().epochs()), a.clipRange().orElse(d.ppo().clipRange()),
                    a.valueLearningRate().orElse(d.ppo().valueLearningRate()), a.valueClipRange().orElse(d.ppo().valueClipRange()),
                    a.gamma().orElse(d.ppo().gamma()), a.lambda().orElse(d.ppo().lambda()));
            TrainerConfig.Grpo g = config.grpo();
            UpdateSettings.Grpo grpo = new UpdateSettings.Grpo(g.steps().orElse(d.grpo().steps()), g.samples().orElse(d.grpo().samples()),
                    g.promptsPerStep().orElse(d.grpo().promptsPerStep()), g.beta().orElse(d.grpo().beta()),
                    g.learningRate().orElse(d.grpo().learningRate()), g.maxNewTokens().orElse(d.grpo().maxNewTokens()),
                    g.epochs().orElse(d.grpo().epochs()), g.clipRange().orElse(d.grpo().clipRange()));
            TrainerConfig.Kto k = config.kto();
            UpdateSettings.Kto kto = new UpdateSettings.Kto(k.beta().orElse(d.kto().beta()),
                    k.desirableWeight().orElse(d.kto().desirableWeight()), k.undesirableWeight().orElse(d.kto().undesirableWeight()),
                    k.learningRate().orElse(d.kto().learningRate()), k.weightDecay().orElse(d.kto().weightDecay()),
                    k.epochs().orElse(d.kto().epochs()));
            TrainerConfig.Online n = config.online();
            UpdateSettings.Online online = new UpdateSettings.Online(n.samples().orElse(d.online().samples()), n.prompts().orElse(d.online().prompts()),
                    n.weight().orElse(d.online().weight()), n.maxNewTokens().orElse(d.online().maxNewTokens()),
                    n.temperature().orElse(d.online().temperature()), n.topK().orElse(d.online().topK()));
            TrainerConfig.SftMix m = config.sftMix();
            UpdateSettings.SftMix sftMix = new UpdateSettings.SftMix(m.learningRate().orElse(d.sftMix().learningRate()),
                    m.examples().orElse(d.sftMix().examples()));
            return new UpdateSettings(algorithm, p.batchSize().orElse(d.batchSize()), config.loraRank().orElse(d.loraRank()), reward, dpo, rloo,
                    ppo, grpo, kto, online, sftMix, config.weighByReliability().orElse(d.weighByReliability()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("rlhf.trainer." + e.getMessage(), e);
        }
    }

    /**
     * The prompts online pairs draw fresh ones from, in the SFT template: the built-in pool (the one
     * inference draws comparisons from without a prompts file) with every kind of prompt as often, or
     * none when the user's prompt pool is a file or the settings ask for no fresh prompts. The same
     * every start, so a replay asks the same.
     */
    static List<int[]> onlinePool(TrainerConfig config, UpdateSettings settings, Tokenizer tokenizer) {
        if (!settings.online().enabled() || settings.online().prompts() == 0 || config.promptsFile().isPresent()) return List.of();
        return new BuiltinData(BuiltinData.DEFAULT_SEED).promptsEveryKindAlike().stream()
                .map(p -> tokenizer.encode(AlpacaFormat.prompt(p, ""))).toList();
    }

    /**
     * The examples the SFT mix draws from, encoded in the SFT template: the data the line's SFT model
     * was fine-tuned on — the built-in training examples but the open ones (the raters' kind of prompt,
     * {@link BuiltinData#mixExamples}) for a bootstrapped line, the training split of
     * {@code RLHF_SFT_DATA} for a base model fine-tuned on it; none for a base model taken as it is, or
     * when the settings mix nothing. {@code rlhf.trainer.sft-mix.data} overrides them: {@code builtin},
     * or an instruction file's training split.
     */
    static List<InstructionLoader.Encoded> sftInstructions(TrainerConfig config, UpdateSettings settings, Tokenizer tokenizer)
            throws IOException {
        if (!settings.sftMix().enabled()) return List.of();
        List<InstructionExample> examples;
        Optional<String> named = config.sftMix().data().map(String::strip).filter(d -> !d.isEmpty());
        if (named.isPresent()) {
            examples = named.get().equals(BUILTIN_MIX) ? new BuiltinData(BuiltinData.DEFAULT_SEED).mixExamples() : mixFile(Path.of(named.get()));
        } else if (config.baseModel().isEmpty()) {
            examples = new BuiltinData(BuiltinData.DEFAULT_SEED).mixExamples();
        } else if (config.sftData().isPresent()) {
            examples = InstructionData.split(InstructionData.read(config.sftData().get())).train();
        } else {
            return List.of();
        }
        return InstructionLoader.encodeAll(examples, tokenizer);
    }

    /** {@code rlhf.trainer.sft-mix.data}'s name for the built-in examples. */
    static final String BUILTIN_MIX = "builtin";

    private static List<InstructionExample> mixFile(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("rlhf.trainer.sft-mix.data: " + file + " is no file (give an instruction file or \"" + BUILTIN_MIX + "\")");
        }
        List<InstructionExample> train = InstructionData.split(InstructionData.read(file)).train();
        if (train.isEmpty()) throw new IllegalArgumentException("rlhf.trainer.sft-mix.data: " + file + " has no training example to mix in");
        return train;
    }

    /** The policy algorithm named {@code text} ({@code dpo}, {@code rloo}, {@code ppo}, {@code grpo}, {@code kto}, any case), if it is one. */
    static Optional<PolicyAlgorithm> algorithmNamed(String text) {
        return PolicyAlgorithm.named(text);
    }

    /** How the registry names what an update of {@code algorithm} made. */
    static Algorithm recorded(PolicyAlgorithm algorithm) {
        return Algorithm.valueOf(algorithm.name());
    }

    /** The update's algorithm for a registry name; empty for one that is no policy update (SFT, ...). */
    static Optional<PolicyAlgorithm> policyAlgorithm(Algorithm algorithm) {
        return PolicyAlgorithm.named(algorithm.name());
    }

    /**
     * The engine's pair from an event: the prompt in the SFT template, the answers' token ids as
     * generated, cut to the context. A follow-up's pair gives each answer the conversation its side
     * was asked with, in the inference service's format ({@link Conversation}), its oldest turns left
     * out first where prompt and answer would not fit.
     */
    static Optional<TokenizedPreference> encode(PreferencePair event, Tokenizer tokenizer, int contextLength) {
        int[] chosen = answer(event.chosen(), tokenizer);
        int[] rejected = answer(event.rejected(), tokenizer);
        if (event.history() == null) {
            return Optional.ofNullable(PolicyUpdate.fit(prompt(event.prompt(), tokenizer), chosen, rejected, contextLength, tokenizer.vocabSize()));
        }
        // PolicyUpdate.fit keeps answers up to half the context; the conversation gets the rest
        int room = contextLength - Math.min(Math.max(chosen.length, rejected.length), contextLength / 2);
        Conversation.Fitted chosenPrompt = Conversation.fit(tokenizer, exchanges(event.history().chosen()), event.prompt(), room);
        Conversation.Fitted rejectedPrompt = Conversation.fit(tokenizer, exchanges(event.history().rejected()), event.prompt(), room);
        if (chosenPrompt == null || rejectedPrompt == null) return Optional.empty();
        return Optional.ofNullable(PolicyUpdate.fit(chosenPrompt.tokenIds(), rejectedPrompt.tokenIds(), chosen, rejected, contextLength,
                tokenizer.vocabSize()));
    }

    private static List<Conversation.Exchange> exchanges(List<Turn> turns) {
        return turns.stream().map(turn -> new Conversation.Exchange(turn.prompt(), turn.answer())).toList();
    }

    /** The engine's rating from a thumbs, encoded as a pair's answers are (a pair's answers and a thumbs' meet in one KTO batch). */
    static Optional<TokenizedFeedback> encode(ThumbsEvent event, Tokenizer tokenizer, int contextLength) {
        return Optional.ofNullable(TokenizedFeedback.fit(prompt(event.prompt(), tokenizer), answer(event.answer(), tokenizer), event.up(),
                contextLength, tokenizer.vocabSize()));
    }

    private static int[] prompt(String prompt, Tokenizer tokenizer) {
        return tokenizer.encode(prompt.contains(AlpacaFormat.RESPONSE_HEADER) ? prompt : AlpacaFormat.prompt(prompt, ""));
    }

    private static int[] answer(dev.rlhfloop.contracts.Answer answer, Tokenizer tokenizer) {
        return answer.tokenIds().isEmpty() ? tokenizer.encode(answer.text()) : answer.tokenArray();
    }
}
