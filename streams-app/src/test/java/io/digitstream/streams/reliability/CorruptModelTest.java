package io.digitstream.streams.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.digitstream.streams.Fixtures;
import io.digitstream.streams.StreamsCli;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * {@code stream} with a damaged model bundle stops at start, before touching Kafka, with exit code
 * 2 and one line that names the file and what is wrong with it. No broker is needed: the model is
 * loaded first.
 */
class CorruptModelTest {
  private static final Logger log = LoggerFactory.getLogger(CorruptModelTest.class);
  @TempDir Path tmp;

  /** Ways a model bundle is damaged on disk. */
  enum Damage {
    NETWORK_TRUNCATED_TO_HALF,
    NETWORK_TRUNCATED_TO_100_BYTES,
    NETWORK_REPLACED_BY_JUNK,
    NETWORK_EMPTY,
    NETWORK_MISSING,
    METADATA_TRUNCATED,
    METADATA_MISSING
  }

  static Stream<Arguments> damages() {
    return Arrays.stream(Damage.values()).map(Arguments::of);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("damages")
  void refusesToStartWithAClearErrorAndExitCodeTwo(Damage damage) throws IOException {
    Path model = copyOfTheTestModel();
    Path network = model.resolve("network.zip");
    Path metadata = model.resolve("bundle.json");
    switch (damage) {
      case NETWORK_TRUNCATED_TO_HALF -> truncate(network, Files.size(network) / 2);
      case NETWORK_TRUNCATED_TO_100_BYTES -> truncate(network, 100);
      case NETWORK_REPLACED_BY_JUNK -> Files.write(network, new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
      case NETWORK_EMPTY -> Files.write(network, new byte[0]);
      case NETWORK_MISSING -> Files.delete(network);
      case METADATA_TRUNCATED -> truncate(metadata, Files.size(metadata) / 2);
      case METADATA_MISSING -> Files.delete(metadata);
    }

    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = StreamsCli.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    // Nothing listens on port 9; the model must fail before any connection is tried.
    int exitCode =
        cli.execute(
            "--model", model.toString(),
            "--bootstrap-servers", "127.0.0.1:9",
            "--http-port", "0");

    assertThat(exitCode).as(err.toString()).isEqualTo(2);
    String message = err.toString().strip();
    assertThat(message).startsWith("error: ").contains(model.toString());
    // A JSON parser's location may follow on a second line; a stack trace never does.
    assertThat(message).as("no stack trace").doesNotContain("\tat ", "Exception:");
    log.info("{}: exit code {}, {}", damage, exitCode, message);
  }

  private Path copyOfTheTestModel() throws IOException {
    Path copy = Files.createDirectories(tmp.resolve("model"));
    try (Stream<Path> files = Files.list(Fixtures.modelDirectory())) {
      for (Path file : files.toList()) {
        Files.copy(file, copy.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
      }
    }
    return copy;
  }

  private static void truncate(Path file, long size) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    Files.write(file, Arrays.copyOf(bytes, (int) size));
  }
}
