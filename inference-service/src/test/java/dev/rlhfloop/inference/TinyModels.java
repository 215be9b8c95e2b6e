package dev.rlhfloop.inference;

import dev.rlhfloop.contracts.Algorithm;
import dev.rlhfloop.contracts.ModelVersion;
import dev.rlhfloop.llm.data.AlpacaFormat;
import dev.rlhfloop.llm.io.ModelArchive;
import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.model.GptCheckpoint;
import dev.rlhfloop.llm.model.GptConfig;
import dev.rlhfloop.llm.model.LoraAdapters;
import dev.rlhfloop.llm.model.LoraSettings;
import dev.rlhfloop.llm.model.Parameter;
import dev.rlhfloop.llm.model.PeftAdapter;
import dev.rlhfloop.llm.rlhf.RewardModel;
import dev.rlhfloop.llm.tokenizer.BpeTokenizer;
import dev.rlhfloop.llm.tokenizer.BpeTrainer;
import dev.rlhfloop.llm.tokenizer.TokenizerFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Small random models with a tokenizer trained on the fly, packed and announced as the trainer would. */
final class TinyModels {
    private static final String CORPUS = (AlpacaFormat.prompt("Name an animal that lives on a farm.", "")
            + "The cow lives on the farm. The dog is called Rex. A cat sleeps in the sun. ").repeat(20);
    private static final BpeTokenizer TOKENIZER = BpeTrainer.train(CORPUS, 400);

    private TinyModels() {}

    /** A random model (seeded) in a fresh directory, zipped; returns its announcement for {@code line}. */
    static ModelVersion packed(Path workDir, String versionId, long seed, String line) {
        try {
            Path dir = Files.createDirectories(workDir.resolve(versionId));
            GptCheckpoint.save(model(seed), dir);
            TokenizerFiles.writeHuggingFace(TOKENIZER, dir.resolve(ModelArchive.TOKENIZER_FILE));
            ModelArchive.Packed packed = ModelArchive.pack(dir, workDir.resolve(versionId + ".zip"));
            return announce(versionId, line, packed.file().toUri().toString(), packed.sha256());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * As {@link #packed}, laid out as the trainer publishes a version (its directory's
     * {@code weights.zip}) with the reward model {@link #rewardModel} beside it ({@code reward-model.zip}).
     */
    static ModelVersion packedWithRewardModel(Path workDir, String versionId, long seed, long rewardSeed, String line) {
        try {
            Path version = Files.createDirectories(workDir.resolve(versionId));
            Path dir = Files.createDirectories(version.resolve("model"));
            GptCheckpoint.save(model(seed), dir);
            TokenizerFiles.writeHuggingFace(TOKENIZER, dir.resolve(ModelArchive.TOKENIZER_FILE));
            ModelArchive.Packed packed = ModelArchive.pack(dir, version.resolve("weights.zip"));
            rewardModel(seed, rewardSeed).save(version.resolve("reward-model"));
            ModelArchive.packStored(version.resolve("reward-model"), version.resolve("reward-model.zip"), RewardModel.ARCHIVE_FILES);
            return announce(versionId, line, packed.file().toUri().toString(), packed.sha256());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A reward model over the model of {@code seed} whose head (from {@code rewardSeed}) is scaled up, so candidates' rewards differ clearly. */
    static RewardModel rewardModel(long seed, long rewardSeed) {
        RewardModel rewardModel = RewardModel.fromPolicy(model(seed), rewardSeed);
        float[] head = rewardModel.head().data();
        for (int i = 0; i < head.length; i++) head[i] *= 20;
        return rewardModel;
    }

    /** The random model of {@code seed} with the tokenizer, in memory, as the registry would serve it. */
    static ServedModel served(String versionId, long seed) {
        return new ServedModel(versionId, model(seed), TOKENIZER);
    }

    /** The random model {@link #packed} makes from {@code seed}. */
    static Gpt model(long seed) {
        return Gpt.create(GptConfig.of(TOKENIZER.vocabSize(), 256, 64, 2, 2), seed);
    }

    /**
     * A rank-2 LoRA adapter (A and B random from {@code adapterSeed}, so it changes the model) over
     * the model {@link #packed} made from {@code baseSeed}, in PEFT's files, zipped; returns its
     * announcement as an adapter over {@code baseVersion}, and leaves the adapter's files in {@code workDir/versionId}.
     */
    static ModelVersion adapter(Path workDir, String versionId, String baseVersion, long baseSeed, long adapterSeed, String line) {
        try {
            Path dir = Files.createDirectories(workDir.resolve(versionId));
            Gpt adapted = model(baseSeed);
            LoraAdapters lora = adapted.attachLora(LoraSettings.of(2), adapterSeed);
            java.util.Random random = new java.util.Random(adapterSeed);
            for (Parameter p : lora.parameters()) {
                if (p.name().contains("lora_B")) for (int i = 0; i < p.size(); i++) p.data()[i] = (float) (0.05 * random.nextGaussian());
            }
            PeftAdapter.save(adapted, dir, "CAUSAL_LM", baseVersion);
            ModelArchive.Packed packed = ModelArchive.packAdapter(dir, workDir.resolve(versionId + ".zip"));
            return new ModelVersion(ModelVersion.SCHEMA_VERSION, versionId, line, baseVersion, Algorithm.DPO, null, Map.of("loss", 1.0),
                    ModelVersion.Weights.adapter(packed.file().toUri().toString(), packed.sha256(), baseVersion), Instant.now());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The base model of {@code baseSeed} with the adapter {@link #adapter} left in {@code workDir/versionId} merged into it. */
    static Gpt merged(Path workDir, String versionId, long baseSeed) throws IOException {
        Gpt merged = model(baseSeed);
        PeftAdapter.load(merged, workDir.resolve(versionId));
        merged.mergeLora();
        return merged;
    }

    /** Packs {@code versions} in a fresh directory and announces them on the registry topic: a test resource's broker before the service starts. */
    static void onTheRegistry(String bootstrapServers, java.util.function.Function<Path, List<ModelVersion>> versions) {
        try {
            for (ModelVersion version : versions.apply(Files.createTempDirectory("inference-registry"))) {
                dev.rlhfloop.kafka.testing.KafkaTestClient.send(bootstrapServers, dev.rlhfloop.contracts.Topics.MODEL_VERSIONS, version.key(),
                        version, ModelVersion.class);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code v}'s entry saying where its reward model stands, as the trainer announces a DPO version and then its reward model. */
    static ModelVersion withRewardModel(ModelVersion v, ModelVersion.RewardModelState state) {
        return new ModelVersion(ModelVersion.SCHEMA_VERSION, v.versionId(), v.modelLine(), v.parentVersion(), v.algorithm(), v.trainedOn(),
                v.metrics(), v.weights(), v.createdAt(), v.engine(), state);
    }

    static ModelVersion announce(String versionId, String line, String url, String sha256) {
        return new ModelVersion(ModelVersion.SCHEMA_VERSION, versionId, line, null, Algorithm.SFT, null,
                Map.of("loss", 1.0), new ModelVersion.Weights(url, sha256), Instant.now());
    }
}
