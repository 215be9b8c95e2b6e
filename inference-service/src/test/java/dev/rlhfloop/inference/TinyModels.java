package dev.rlhfloop.inference;

import dev.rlhfloop.contracts.Algorithm;
import dev.rlhfloop.contracts.ModelVersion;
import dev.rlhfloop.llm.data.AlpacaFormat;
import dev.rlhfloop.llm.io.ModelArchive;
import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.model.GptCheckpoint;
import dev.rlhfloop.llm.model.GptConfig;
import dev.rlhfloop.llm.tokenizer.BpeTokenizer;
import dev.rlhfloop.llm.tokenizer.BpeTrainer;
import dev.rlhfloop.llm.tokenizer.TokenizerFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
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
            GptConfig config = GptConfig.of(TOKENIZER.vocabSize(), 256, 64, 2, 2);
            GptCheckpoint.save(Gpt.create(config, seed), dir);
            TokenizerFiles.writeHuggingFace(TOKENIZER, dir.resolve(ModelArchive.TOKENIZER_FILE));
            ModelArchive.Packed packed = ModelArchive.pack(dir, workDir.resolve(versionId + ".zip"));
            return announce(versionId, line, packed.file().toUri().toString(), packed.sha256());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ModelVersion announce(String versionId, String line, String url, String sha256) {
        return new ModelVersion(ModelVersion.SCHEMA_VERSION, versionId, line, null, Algorithm.SFT, null,
                Map.of("loss", 1.0), new ModelVersion.Weights(url, sha256), Instant.now());
    }
}
