package io.digitstream.testkit;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;
import picocli.CommandLine;

/** One run of a picocli command in this JVM: its exit code and what it printed to out and err. */
public record CliRun(int exitCode, String out, String err) {
  // Only reads stdout as a tree, as strictly as Json.MAPPER (in common, which the kit cannot use).
  private static final ObjectMapper ONE_DOCUMENT =
      new ObjectMapper()
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  /** Runs {@code cli} with {@code args}, capturing what it prints through picocli's writers. */
  public static CliRun of(CommandLine cli, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int code = cli.execute(args);
    return new CliRun(code, out.toString(), err.toString());
  }

  /**
   * Like {@link #of}, for commands that also print to {@code System.out} and {@code System.err}
   * themselves: those are captured too (with anything else the JVM prints meanwhile), so runs of
   * this kind take turns. The command line is made once the streams are captured.
   */
  public static synchronized CliRun capturingSystemStreams(
      Supplier<CommandLine> cli, String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      CommandLine commandLine = cli.get();
      PrintWriter cliOut = utf8Writer(System.out);
      PrintWriter cliErr = utf8Writer(System.err);
      commandLine.setOut(cliOut);
      commandLine.setErr(cliErr);
      int code = commandLine.execute(args);
      cliOut.flush();
      cliErr.flush();
      return new CliRun(
          code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  /** Standard output as the one JSON document {@code --json} promises; trailing output fails. */
  public JsonNode json() {
    try {
      return ONE_DOCUMENT.readTree(out);
    } catch (IOException e) {
      throw new UncheckedIOException("stdout is not one JSON document:\n" + out, e);
    }
  }

  /** Standard output followed by standard error, for assertion messages. */
  public String all() {
    return out + err;
  }

  private static PrintWriter utf8Writer(PrintStream stream) {
    return new PrintWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8), true);
  }
}
