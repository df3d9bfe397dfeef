package io.digitstream.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

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
  void helpNamesTheDefaultsTheSettingsUse() {
    Map<String, String> defaults = StreamsSettings.defaults();
    Pattern keyAndDefault = Pattern.compile("\\(([a-z.]+); default ([^,;)]+)");
    int checked = 0;
    for (OptionSpec option : StreamsCli.commandLine().getCommandSpec().options()) {
      Matcher m = keyAndDefault.matcher(String.join(" ", option.description()));
      if (m.find()) {
        assertThat(m.group(2)).as(option.longestName()).isEqualTo(defaults.get(m.group(1)));
        checked++;
      }
    }
    assertThat(checked).isGreaterThanOrEqualTo(6);
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
