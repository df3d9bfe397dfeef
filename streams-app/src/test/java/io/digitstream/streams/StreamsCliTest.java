package io.digitstream.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class StreamsCliTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cli = StreamsCli.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    return cli.execute(args);
  }

  @Test
  void describesEveryOptionInItsHelp() {
    assertThat(run("--help")).isZero();
    assertThat(out.toString())
        .contains("Usage: stream")
        .contains("--config")
        .contains("-X")
        .contains("--bootstrap-servers")
        .contains("--model")
        .contains("--threads")
        .contains("--batch-size")
        .contains("--batch-wait-ms")
        .contains("--http-host")
        .contains("--http-port");
  }

  @Test
  void failsWithTheKeyAndTheExpectedValueWhenASettingIsInvalid() {
    assertThat(run("--batch-size", "0")).isEqualTo(2);
    assertThat(err.toString())
        .isEqualTo(
            "error: Invalid value '0' for digitstream.batch.max.size: expected an integer between"
                + " 1 and 4096"
                + System.lineSeparator());
  }

  @Test
  void failsNamingAMalformedOverride() {
    assertThat(run("-X", "no-equals-sign")).isEqualTo(2);
    assertThat(err.toString()).contains("Invalid -X option 'no-equals-sign': expected key=value");
  }

  @Test
  void failsNamingAMissingModelBeforeContactingKafka() {
    assertThat(run("--model", "/nonexistent/model", "--bootstrap-servers", "127.0.0.1:1"))
        .isEqualTo(2);
    assertThat(err.toString()).contains("/nonexistent/model does not exist");
  }
}
