package dev.rlhfloop.llm;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * What a computation's bits depend on beyond its inputs and settings: this engine's version and
 * the vector width its kernels run with. The kernels sum in lane-sized chunks, so the same training
 * on an 8-lane (AVX2) and a 16-lane (AVX-512) machine gives different, equally valid, bits; two
 * results are comparable bit for bit only when both match.
 */
public final class Engine {
    /** The one float species every kernel uses: whatever lane count the CPU offers, never hard-coded. */
    public static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;

    private static final String VERSION = readVersion();

    private Engine() {}

    public static String version() {
        return VERSION;
    }

    /** Floats per vector in the kernels (8 on AVX2, 16 on AVX-512). */
    public static int floatLanes() {
        return FLOATS.length();
    }

    private static String readVersion() {
        try (InputStream in = Engine.class.getResourceAsStream("engine.properties")) {
            if (in == null) throw new IllegalStateException("engine.properties is missing from llm-core's classes");
            Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read llm-core's engine.properties", e);
        }
    }
}
