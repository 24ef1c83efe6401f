package dev.tally.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lock within one JVM (in-process servers, tests): refused while held, free once released. */
class DataDirectoryLockTest {

    @Test
    void aHeldDirectoryIsRefusedNamingTheHolderAndIsFreeAfterClose(@TempDir Path dir) throws Exception {
        long pid = ProcessHandle.current().pid();
        DataDirectoryLock first = DataDirectoryLock.acquire(dir);
        first.describe("http://127.0.0.1:8080");
        assertThat(Files.readString(dir.resolve(DataDirectoryLock.FILE_NAME), StandardCharsets.UTF_8))
                .contains("pid=" + pid).contains("url=http://127.0.0.1:8080");

        assertThatThrownBy(() -> DataDirectoryLock.acquire(dir.resolve(".")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("in use by another tally serve")
                .hasMessageContaining("pid " + pid)
                .hasMessageContaining("http://127.0.0.1:8080");
        assertThat(Files.readString(dir.resolve(DataDirectoryLock.FILE_NAME), StandardCharsets.UTF_8))
                .as("a refused start leaves the holder's file alone").contains("url=http://127.0.0.1:8080");

        first.close();
        DataDirectoryLock again = DataDirectoryLock.acquire(dir);
        assertThat(Files.readString(dir.resolve(DataDirectoryLock.FILE_NAME), StandardCharsets.UTF_8))
                .contains("url=\n");
        again.close();
    }
}
