package io.digitstream.trainer;

import io.digitstream.image.IdxFormatException;
import io.digitstream.image.ImageFileException;
import io.digitstream.model.ModelBundleException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of the trainer module: train, calibrate, evaluate, predict, explain, publish-model,
 * model-key, sign-model.
 */
@Command(
    name = "digitstream-trainer",
    description = "Train, evaluate and inspect digitstream's CNN.",
    mixinStandardHelpOptions = true,
    subcommands = {
      TrainCommand.class,
      CalibrateCommand.class,
      EvaluateCommand.class,
      PredictCommand.class,
      ExplainCommand.class,
      PublishModelCommand.class,
      ModelKeyCommand.class,
      SignModelCommand.class
    })
public final class TrainerCli {
  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The command line with the error handling every trainer command shares. */
  public static CommandLine commandLine() {
    return commandLine(CommandLine.defaultFactory());
  }

  /** The same, with commands made by {@code factory} (tests use it to make a step fail). */
  static CommandLine commandLine(CommandLine.IFactory factory) {
    CommandLine cli = new CommandLine(new TrainerCli(), factory);
    cli.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          // Expected failures get one clear line; anything else keeps its stack trace.
          if (e instanceof IdxFormatException
              || e instanceof ImageFileException
              || e instanceof ModelBundleException
              || e instanceof IllegalArgumentException
              || e instanceof io.digitstream.config.ConfigException
              || e instanceof io.digitstream.record.InvalidRecordException
              // publish-model: a bad Kafka setting or a client that cannot be built.
              || e instanceof org.apache.kafka.common.KafkaException
              || e instanceof io.digitstream.topic.TopicSetupException
              || e instanceof java.nio.file.NoSuchFileException) {
            commandLine.getErr().println("error: " + e.getMessage());
            return 2;
          }
          throw e;
        });
    return cli;
  }
}
