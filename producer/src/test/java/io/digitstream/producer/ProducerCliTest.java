package io.digitstream.producer;

import static org.assertj.core.api.Assertions.assertThat;

import io.digitstream.testkit.CliRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line without a broker: usage, settings and their errors. */
class ProducerCliTest {
  @TempDir java.nio.file.Path tmp;

  @Test
  void helpDescribesEverySourceAndKafkaOptionAndTheExitCodes() {
    CliRun run = Produce.run("--help");

    assertThat(run.exitCode()).isZero();
    assertThat(run.out())
        .contains("--mnist=test|train", "--idx-images", "--idx-labels", "PATH")
        .contains("--offset", "--limit", "--shuffle", "--seed")
        .contains("--label-delay", "--no-labels", "--label-pattern")
        .contains("--rate", "--json", "--fail-on-bad-input", "--progress")
        .contains("--bootstrap-servers", "--producer-config", "-X")
        .contains("--topic-images", "--topic-labels", "--partitions", "--replication-factor")
        .contains("--[no-]create-topics")
        .contains("--shift=KIND[,KIND...]", "--shift-at", "--shift-strength", "--shift-fraction")
        .contains("Exit codes:");
  }

  @Test
  void badShiftOptionsAreUsageErrorsThatSayWhatIsExpected() {
    CliRun unknown = Produce.run("--shift", "rotate,wobble", "--data", tmp.toString());
    CliRun negative = Produce.run("--shift", "noise", "--shift-at", "-3");
    CliRun fraction = Produce.run("--shift", "noise", "--shift-fraction", "1.2");
    CliRun alone = Produce.run("--shift-at", "100");
    CliRun strength = Produce.run("--shift", "invert", "--shift-strength", "2");

    for (CliRun run : java.util.List.of(unknown, negative, fraction, alone, strength)) {
      assertThat(run.exitCode()).as(run.all()).isEqualTo(2);
      assertThat(run.err()).contains("Try 'produce --help'");
    }
    assertThat(unknown.err())
        .contains(
            "Invalid value 'wobble' for --shift: expected one of rotate, noise, blur, thicken,"
                + " invert, nondigit or mix");
    assertThat(negative.err()).contains("Invalid value '-3' for --shift-at: expected 0 or more");
    assertThat(fraction.err())
        .contains("Invalid value '1.2' for --shift-fraction: expected a fraction from 0 to 1");
    assertThat(alone.err()).contains("need --shift KIND");
    assertThat(strength.err()).contains("--shift-strength does not apply to invert");
  }

  @Test
  void twoSourcesAtOnceAreAUsageError() {
    CliRun run = Produce.run("--mnist", "test", "--idx-images", "x-images-idx3-ubyte");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("give one source");
  }

  @Test
  void contradictoryLabelOptionsAreAUsageError() {
    assertThat(Produce.run("--no-labels", "--label-delay", "2s").err())
        .contains("--no-labels contradicts");
    assertThat(Produce.run("--mnist", "test", "--label-pattern", "(\\d)").err())
        .contains("--label-pattern applies to image files");
    assertThat(Produce.run("--idx-labels", "l").exitCode()).isEqualTo(2);
  }

  @Test
  void usageErrorsStillPrintExactlyOneJsonDocumentWithJson() {
    CliRun unknownOption = Produce.run("--json", "--no-such-option");
    CliRun badValue = Produce.run("--json", "--rate", "-5", "--data", tmp.toString());

    assertThat(unknownOption.exitCode()).isEqualTo(2);
    assertThat(unknownOption.json().get("outcome").asText()).isEqualTo("BAD_CONFIG");
    assertThat(unknownOption.json().get("error").asText()).contains("--no-such-option");
    assertThat(badValue.exitCode()).isEqualTo(2);
    assertThat(badValue.json().get("exitCode").asInt()).isEqualTo(2);
  }

  @Test
  void aMissingMnistDirectoryIsAConfigErrorSayingWhatToDo() {
    CliRun run = Produce.run("--data", tmp.resolve("no-mnist-here").toString());

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("no-mnist-here").contains("fetch-mnist");
  }

  @Test
  void refusesSettingsThatCouldLoseRecordsNamingTheKey() {
    CliRun run = Produce.run("-X", "acks=1", "--data", tmp.toString());

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("acks").contains("expected all");
  }

  @Test
  void flagsOverrideXSettingsWhichOverrideTheConfigFile() throws Exception {
    java.nio.file.Path file = tmp.resolve("client.properties");
    java.nio.file.Files.writeString(
        file,
        "bootstrap.servers=from-file:9092\nlinger.ms=7\ndigitstream.topics.partitions=2\n"
            + "digitstream.topic.images=file.images\n");

    // An invalid acks stops the run right after --show-config printed the merged settings.
    CliRun run =
        Produce.run(
            "--producer-config",
            file.toString(),
            "-X",
            "linger.ms=9",
            "-X",
            "digitstream.topics.partitions=3",
            "--partitions",
            "6",
            "--no-create-topics",
            "--topic-labels",
            "flag.labels",
            "-X",
            "acks=0",
            "--show-config",
            "--data",
            tmp.toString());

    assertThat(run.err())
        .contains("bootstrap.servers=from-file:9092")
        .contains("linger.ms=9")
        .contains("digitstream.topics.partitions=6")
        .contains("digitstream.topics.create=false")
        .contains("digitstream.topic.images=file.images")
        .contains("digitstream.topic.labels=flag.labels");
  }

  @Test
  void secretsAreNeverPrinted() {
    CliRun run =
        Produce.run(
            "-X",
            "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule"
                + " required username=\"alice\" password=\"pa55-word-42\";",
            "-X",
            "ssl.key.password=key-pass-99",
            "-X",
            "ssl.keystore.key=PEM-PRIVATE-KEY-BODY",
            "-X",
            "acks=0",
            "--show-config",
            "--json",
            "--data",
            tmp.toString());

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.all())
        .contains("sasl.jaas.config=[hidden]")
        .doesNotContain("pa55-word-42")
        .doesNotContain("key-pass-99")
        .doesNotContain("PEM-PRIVATE-KEY-BODY");
  }
}
