package io.digitstream.demo;

import io.digitstream.config.ConfigException;
import io.digitstream.image.IdxFormatException;
import io.digitstream.model.ModelBundleException;
import io.digitstream.streams.web.HttpBindException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the demo module: {@code demo}. */
@Command(
    name = "digitstream",
    mixinStandardHelpOptions = true,
    subcommands = {DemoCommand.class})
public final class DemoCli {
  public static void main(String[] args) {
    CommandLine cli = new CommandLine(new DemoCli());
    cli.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          if (e instanceof IdxFormatException
              || e instanceof ModelBundleException
              || e instanceof ConfigException
              || e instanceof HttpBindException
              || e instanceof IllegalArgumentException) {
            commandLine.getErr().println("error: " + e.getMessage());
            return 2;
          }
          throw e;
        });
    int code = cli.execute(args);
    // Kafka and ND4J leave daemon threads only; exit explicitly so a stray one can never hang us.
    System.exit(code);
  }
}
