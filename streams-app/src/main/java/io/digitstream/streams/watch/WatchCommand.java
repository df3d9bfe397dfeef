package io.digitstream.streams.watch;

import io.digitstream.record.Json;
import io.digitstream.streams.web.Summary;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code digitstream watch}: the accuracy page's figures in a terminal, for users without a
 * browser. Polls {@code /api/summary} of a running streams application and redraws in place on a
 * terminal (plain blocks one after another otherwise, e.g. into a file).
 */
@Command(
    name = "watch",
    mixinStandardHelpOptions = true,
    description = {
      "Follows rolling accuracy in the terminal: throughput, latency, dead letters, label"
          + " counts, and per model version the cumulative, rolling and latest-window accuracy"
          + " with the confusion matrix.",
      "Reads GET /api/summary of a running 'digitstream stream' (any instance answers for all)."
    })
public final class WatchCommand implements Callable<Integer> {
  private static final String HOME = "\033[H";
  private static final String CLEAR_LINE = "\033[K";
  private static final String CLEAR_BELOW = "\033[J";

  @Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--url",
      paramLabel = "URL",
      description = "The streams application's page (default ${DEFAULT-VALUE}).",
      defaultValue = "http://127.0.0.1:8080")
  URI url;

  @Option(
      names = "--interval-ms",
      paramLabel = "MS",
      description = "Time between refreshes (default ${DEFAULT-VALUE}).",
      defaultValue = "1000")
  long intervalMs;

  @Option(names = "--once", description = "Print one snapshot and exit (1 if unreachable).")
  boolean once;

  @Option(
      names = "--model-version",
      paramLabel = "VERSION",
      description = "Show only this model version.")
  String modelVersion;

  @Option(
      names = "--plain",
      description = "Never redraw in place, even on a terminal (no ANSI escape codes).")
  boolean plain;

  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  public static void main(String[] args) {
    System.exit(new CommandLine(new WatchCommand()).execute(args));
  }

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (intervalMs < 100) {
      err.println("error: --interval-ms must be at least 100, got " + intervalMs);
      return 2;
    }
    URI summaryUri = url.resolve("/api/summary");
    boolean redraw = !once && !plain && System.console() != null;
    while (true) {
      List<String> lines;
      String failure = null;
      try {
        lines = SummaryText.render(fetch(summaryUri), url.toString(), modelVersion);
      } catch (IOException | RuntimeException e) {
        failure = "cannot read " + summaryUri + ": " + reason(e);
        lines = List.of(failure + " (retrying)");
      }
      if (once) {
        if (failure == null) {
          lines.forEach(out::println);
        } else {
          err.println("error: " + failure);
        }
        out.flush();
        return failure == null ? 0 : 1;
      }
      if (redraw) {
        StringBuilder frame = new StringBuilder(HOME);
        lines.forEach(line -> frame.append(line).append(CLEAR_LINE).append('\n'));
        out.print(frame.append(CLEAR_BELOW));
      } else {
        lines.forEach(out::println);
        out.println();
      }
      out.flush();
      Thread.sleep(intervalMs);
    }
  }

  private Summary fetch(URI uri) throws IOException, InterruptedException {
    HttpResponse<byte[]> response =
        client.send(
            HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).GET().build(),
            HttpResponse.BodyHandlers.ofByteArray());
    if (response.statusCode() != 200) {
      throw new IOException("HTTP " + response.statusCode() + " " + new String(response.body()));
    }
    return Json.MAPPER.readValue(response.body(), Summary.class);
  }

  private static String reason(Exception e) {
    String message = e.getMessage();
    return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
  }
}
