package dev.rlhfloop.kafka;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Child processes started in the caller's process group also receive a terminal's Ctrl-C, all at
 * once. Prefixing a command with {@code setsid} (util-linux; same pid, new session) keeps them
 * out of it, so the caller alone decides the order of shutdown.
 */
public final class Sessions {
    private Sessions() {}

    /** {@code ["/usr/bin/setsid"]} where setsid exists, else nothing (the child shares the group). */
    public static List<String> prefix() {
        for (String dir : List.of("/usr/bin", "/bin")) {
            Path setsid = Path.of(dir, "setsid");
            if (Files.isExecutable(setsid)) return List.of(setsid.toString());
        }
        return List.of();
    }
}
