package io.digitstream.producer;

import io.digitstream.testkit.CliRun;
import java.util.Map;

/** The {@code produce} command line, run in this JVM by the test kit. */
final class Produce {
  private Produce() {}

  /** Runs with an empty environment, so no DIGITSTREAM_* variable of the machine leaks in. */
  static CliRun run(String... args) {
    return CliRun.of(ProducerCli.commandLine(new ProducerCli(Map.of())), args);
  }
}
