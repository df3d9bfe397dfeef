package io.digitstream.producer;

import com.fasterxml.jackson.databind.JsonNode;
import io.digitstream.record.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Map;
import picocli.CommandLine;

/** One run of {@code produce} in this JVM, with its exit code and what it printed. */
record CliRun(int exitCode, String out, String err) {

  /** Runs with an empty environment, so no DIGITSTREAM_* variable of the machine leaks in. */
  static CliRun of(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = ProducerCli.commandLine(new ProducerCli(Map.of()));
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int code = cli.execute(args);
    return new CliRun(code, out.toString(), err.toString());
  }

  /** stdout as the one JSON document {@code --json} promises; trailing output fails. */
  JsonNode json() {
    try {
      return Json.MAPPER.readTree(out);
    } catch (IOException e) {
      throw new UncheckedIOException("stdout is not one JSON document:\n" + out, e);
    }
  }

  String all() {
    return out + err;
  }
}
