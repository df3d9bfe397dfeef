package io.digitstream.streams.watch;

import static org.assertj.core.api.Assertions.assertThat;

import io.digitstream.streams.web.FakeBackend;
import io.digitstream.streams.web.HttpSettings;
import io.digitstream.streams.web.WebServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class WatchCommandTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cli = new CommandLine(new WatchCommand());
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    return cli.execute(args);
  }

  @Test
  void printsOneSnapshotOfTheSummaryWithTheMatrix() {
    FakeBackend backend = new FakeBackend();
    try (WebServer server = WebServer.start(new HttpSettings("127.0.0.1", 0), backend)) {
      int status = run("--url", server.url().toString(), "--once");

      assertThat(status).isZero();
      assertThat(out.toString())
          .contains("state RUNNING, 1 instance")
          .contains("model 3f9a1c0d2b7e")
          .contains("cumulative       99.052 % of 1,055")
          .contains("rolling history ")
          .contains("true\\pred")
          .contains("        9     0     0     0     0     3     0     0     0     0   109")
          .doesNotContain("\033[");
    } finally {
      backend.metrics.close();
    }
  }

  @Test
  void failsWithTheReasonWhenTheApplicationCannotBeReached() {
    int status = run("--url", "http://127.0.0.1:1", "--once");

    assertThat(status).isEqualTo(1);
    assertThat(err.toString()).startsWith("error: cannot read http://127.0.0.1:1/api/summary: ");
  }

  @Test
  void drawsAccuracyHistoryAsBlocksBetweenItsLowestAndHighestPoint() {
    assertThat(SummaryText.sparkline(FakeBackend.versionSummary().rollingHistory()))
        .isEqualTo("▁█  98.000-99.000 %");
  }
}
