package dev.rlhfloop.trainer;

import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.model.GptCheckpoint;
import dev.rlhfloop.llm.tokenizer.Tokenizer;
import dev.rlhfloop.llm.tokenizer.TokenizerFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** Model directories as the trainer reads and ships them. */
final class Models {
    static final String TOKENIZER_FILE = dev.rlhfloop.llm.io.ModelArchive.TOKENIZER_FILE;

    private Models() {}

    static Gpt load(Path modelDir) {
        try {
            return GptCheckpoint.load(modelDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load the model in " + modelDir, e);
        }
    }

    static Tokenizer tokenizer(Path modelDir) {
        try {
            return TokenizerFiles.readHuggingFace(modelDir.resolve(TOKENIZER_FILE));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the tokenizer in " + modelDir, e);
        }
    }

    /** Packs a model directory into the ZIP the inference services download; returns its SHA-256. */
    static String archive(Path modelDir, Path zipFile) throws IOException {
        return dev.rlhfloop.llm.io.ModelArchive.pack(modelDir, zipFile).sha256();
    }

    static String weightsUrl(TrainerConfig config, String versionId) {
        String base = config.publicUrl().endsWith("/") ? config.publicUrl().substring(0, config.publicUrl().length() - 1) : config.publicUrl();
        return base + "/api/models/" + versionId + "/weights";
    }
}
