package io.digitstream.trainer;

import io.digitstream.testkit.CliRun;

/** The trainer's command line, run in this JVM by the test kit. */
final class Trainer {
  private Trainer() {}

  /** Runs {@code digitstream <args>} for a trainer command; its commands print to System.out. */
  static CliRun run(String... args) {
    return CliRun.capturingSystemStreams(TrainerCli::commandLine, args);
  }

  /** Runs with commands made by {@code factory}, e.g. one whose preprocessing fails. */
  static CliRun with(picocli.CommandLine.IFactory factory, String... args) {
    return CliRun.capturingSystemStreams(() -> TrainerCli.commandLine(factory), args);
  }
}
