package io.digitstream.trainer;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code --model} option of every command that reads one bundle (a picocli mixin). */
final class ModelOption {
  @Option(
      names = {"--model", "-m"},
      paramLabel = "DIR",
      defaultValue = "models/default",
      description = "Model bundle (default ${DEFAULT-VALUE}).")
  Path directory;
}
