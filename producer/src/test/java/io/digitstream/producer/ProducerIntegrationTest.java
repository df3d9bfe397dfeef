package io.digitstream.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.withinPercentage;

import com.fasterxml.jackson.databind.JsonNode;
import io.digitstream.image.MnistDataset;
import io.digitstream.image.MnistPreprocessor;
import io.digitstream.image.Shift;
import io.digitstream.image.ShiftKind;
import io.digitstream.producer.PublishSummary.Outcome;
import io.digitstream.producer.source.BadInput;
import io.digitstream.producer.source.IdxSource;
import io.digitstream.producer.source.ImageSource;
import io.digitstream.producer.source.InternalFailure;
import io.digitstream.producer.source.LabelledImage;
import io.digitstream.producer.source.Selection;
import io.digitstream.producer.source.SourceItem;
import io.digitstream.record.Codec;
import io.digitstream.record.DigitImage;
import io.digitstream.record.DigitLabel;
import io.digitstream.testkit.CliRun;
import io.digitstream.testkit.EmbeddedKafkaExtension;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code produce} and {@link DigitPublisher} against a real single-node Kafka broker. */
class ProducerIntegrationTest {
  @RegisterExtension static final EmbeddedKafkaExtension kafka = EmbeddedKafkaExtension.create();

  @TempDir Path tmp;

  @Test
  void publishesEveryImageAndLabelByteForByte() {
    Path data = tmp.resolve("mnist");
    TestImages.Mnist mnist = TestImages.writeMnistTest(data, 300, 11);

    CliRun run =
        Produce.run(
            "--data",
            data.toString(),
            "--shuffle",
            "--seed",
            "5",
            "--limit",
            "250",
            "--json",
            "--progress",
            "none",
            "--bootstrap-servers",
            kafka.bootstrapServers(),
            "--topic-images",
            "bytes.images",
            "--topic-labels",
            "bytes.labels");

    assertThat(run.exitCode()).as(run.all()).isZero();
    JsonNode summary = run.json();
    assertThat(summary.get("outcome").asText()).isEqualTo("COMPLETED");
    assertThat(summary.get("imagesSent").asLong()).isEqualTo(250);
    assertThat(summary.get("labelsSent").asLong()).isEqualTo(250);
    assertThat(summary.get("failedCount").asLong()).isZero();

    Set<String> expectedIds =
        java.util.Arrays.stream(new Selection(0, 250, true, 5).indices(300, "images"))
            .mapToObj(i -> String.format("mnist-test-%05d", i))
            .collect(Collectors.toSet());
    List<ConsumerRecord<String, byte[]>> images = readAll("bytes.images");
    List<ConsumerRecord<String, byte[]>> labels = readAll("bytes.labels");
    assertThat(images).hasSize(250);
    assertThat(labels).hasSize(250);
    Map<String, Integer> imagePartition = new HashMap<>();
    for (ConsumerRecord<String, byte[]> record : images) {
      String id = record.key();
      int index = Integer.parseInt(id.substring("mnist-test-".length()));
      byte[] pixels = mnist.image(index);
      assertThat(record.value())
          .isEqualTo(Codec.images().encode(new DigitImage(id, pixels, "mnist-test")));
      assertThat(Codec.images().decode(record.value()).pixels()).isEqualTo(pixels);
      imagePartition.put(id, record.partition());
    }
    assertThat(imagePartition.keySet()).isEqualTo(expectedIds);
    for (ConsumerRecord<String, byte[]> record : labels) {
      String id = record.key();
      int index = Integer.parseInt(id.substring("mnist-test-".length()));
      assertThat(record.value())
          .isEqualTo(Codec.labels().encode(new DigitLabel(id, mnist.labels()[index])));
      // Same key, same partition count: an image and its label meet in the same partition.
      assertThat(record.partition()).isEqualTo(imagePartition.get(id));
    }
    assertThat(partitionsOf("bytes.images")).isEqualTo(DigitPublisher.DEFAULT_PARTITIONS);
  }

  @Test
  void aShiftLeavesTheImagesBeforeItAloneDistortsItsShareAfterAndSendsNoLabelForNonDigits() {
    Path data = tmp.resolve("shift");
    TestImages.Mnist mnist = TestImages.writeMnistTest(data, 100, 21);

    CliRun run =
        Produce.run(
            "--data",
            data.toString(),
            "--shift",
            "noise,nondigit",
            "--shift-at",
            "40",
            "--shift-fraction",
            "0.5",
            "--seed",
            "9",
            "--json",
            "--progress",
            "none",
            "--bootstrap-servers",
            kafka.bootstrapServers(),
            "--topic-images",
            "shift.images",
            "--topic-labels",
            "shift.labels");

    assertThat(run.exitCode()).as(run.all()).isZero();
    Shift shift = Shift.parse("noise,nondigit", null, 40, 0.5, 9);
    Map<String, byte[]> images = byKey(readAll("shift.images"));
    Map<String, byte[]> labels = byKey(readAll("shift.labels"));
    assertThat(images).hasSize(100);
    Map<ShiftKind, Integer> kinds = new java.util.EnumMap<>(ShiftKind.class);
    for (int i = 0; i < 100; i++) {
      String id = String.format("mnist-test-%05d", i);
      byte[] sent = Codec.images().decode(images.get(id)).pixels();
      Optional<Shift.Distorted> expected = shift.apply(i, id, mnist.image(i));
      if (i < 40 || i % 2 == 1) {
        assertThat(expected).as("image %d", i).isEmpty();
        // Untouched images are byte-identical records, as without --shift.
        assertThat(images.get(id))
            .as("image %d", i)
            .isEqualTo(Codec.images().encode(new DigitImage(id, mnist.image(i), "mnist-test")));
      } else {
        assertThat(sent).as("image %d", i).isEqualTo(expected.orElseThrow().pixels());
        assertThat(sent).as("image %d", i).isNotEqualTo(mnist.image(i));
        kinds.merge(expected.get().kind(), 1, Integer::sum);
      }
      boolean nonDigit = expected.map(Shift.Distorted::replacedByNonDigit).orElse(false);
      if (nonDigit) {
        assertThat(labels).as("no label for the non-digit %s", id).doesNotContainKey(id);
      } else {
        assertThat(Codec.labels().decode(labels.get(id)).label()).isEqualTo(mnist.labels()[i]);
      }
    }
    assertThat(kinds.keySet()).containsExactly(ShiftKind.NOISE, ShiftKind.NONDIGIT);
    int nonDigits = kinds.get(ShiftKind.NONDIGIT);
    assertThat(labels).hasSize(100 - nonDigits);

    JsonNode summary = run.json();
    assertThat(summary.get("imagesSent").asLong()).isEqualTo(100);
    assertThat(summary.get("labelsSent").asLong()).isEqualTo(100L - nonDigits);
    assertThat(summary.get("unlabelled").asLong()).isZero();
    JsonNode shifted = summary.get("shift");
    assertThat(shifted.get("distorted").asLong()).isEqualTo(30);
    assertThat(shifted.get("byKind").get("noise").asLong())
        .isEqualTo((long) kinds.get(ShiftKind.NOISE));
    assertThat(shifted.get("byKind").get("nondigit").asLong()).isEqualTo((long) nonDigits);
    assertThat(shifted.get("nonDigits").asLong()).isEqualTo((long) nonDigits);
  }

  @Test
  void holdsTheRequestedRateWithinAFewPercent() throws Exception {
    TestImages.writeMnistTest(tmp, 1000, 12);
    double rate = 200;
    PublishSummary summary;
    try (DigitPublisher publisher =
        publisher("rate.images", "rate.labels").rate(rate).sendLabels(false).build()) {
      summary =
          publisher.publish(
              IdxSource.mnist(tmp, MnistDataset.Split.TEST, new Selection(0, 800, false, 0)),
              PublishListener.NONE);
    }

    assertThat(summary.outcome()).isEqualTo(Outcome.COMPLETED);
    List<Long> sentAt =
        readAll("rate.images").stream().map(ConsumerRecord::timestamp).sorted().toList();
    assertThat(sentAt).hasSize(800);
    long first = sentAt.get(0);
    double measured = (sentAt.size() - 1) / ((sentAt.get(sentAt.size() - 1) - first) / 1000.0);
    int[] perSecond = new int[4];
    sentAt.forEach(t -> perSecond[(int) Math.min(3, (t - first) / 1000)]++);
    System.out.printf(
        "rate %.0f/s requested: %.2f/s by record timestamps, %.2f/s in the summary,"
            + " per second %s%n",
        rate, measured, summary.imagesPerSecond(), java.util.Arrays.toString(perSecond));
    assertThat(measured).isCloseTo(rate, withinPercentage(3));
    assertThat(summary.imagesPerSecond()).isCloseTo(rate, withinPercentage(3));
    // Steady, not in bursts: every whole second carries its share.
    for (int s = 0; s < 3; s++) {
      assertThat(perSecond[s]).as("images in second %d", s).isBetween(180, 220);
    }
  }

  @Test
  void skipsAndCountsBadFilesAndPublishesTheRest() {
    Path root = tmp.resolve("digits");
    Path seven = TestImages.writeDigit(root.resolve("7/a.png"), 0);
    Path three = TestImages.writeDigit(root.resolve("3/b.jpg"), 1);
    Path broken = TestImages.writeNotAnImage(root.resolve("3/broken.png"));
    Path blank = TestImages.writeBlank(root.resolve("blank.png"));

    CliRun run =
        Produce.run(
            root.toString(),
            "--json",
            "--bootstrap-servers",
            kafka.bootstrapServers(),
            "--topic-images",
            "files.images",
            "--topic-labels",
            "files.labels");

    assertThat(run.exitCode()).as(run.all()).isZero();
    JsonNode summary = run.json();
    assertThat(summary.get("imagesSent").asLong()).isEqualTo(2);
    assertThat(summary.get("labelsSent").asLong()).isEqualTo(2);
    assertThat(summary.get("badInputCount").asLong()).isEqualTo(2);
    assertThat(summary.get("badInputs").findValuesAsText("input"))
        .containsExactly(broken.toString(), blank.toString());
    assertThat(summary.get("badInputs").findValuesAsText("reason"))
        .allSatisfy(reason -> assertThat(reason).isNotBlank());
    assertThat(run.err()).contains("skipped " + broken + ": ");

    Map<String, byte[]> images = byKey(readAll("files.images"));
    assertThat(images)
        .containsOnlyKeys("digits/7/a.png", "digits/3/b.jpg")
        .satisfies(
            m ->
                assertThat(m.get("digits/7/a.png"))
                    .isEqualTo(
                        Codec.images()
                            .encode(
                                new DigitImage(
                                    "digits/7/a.png",
                                    MnistPreprocessor.fromFile(seven),
                                    seven.toString()))));
    assertThat(Codec.images().decode(images.get("digits/3/b.jpg")).pixels())
        .isEqualTo(MnistPreprocessor.fromFile(three));
    Map<String, byte[]> labels = byKey(readAll("files.labels"));
    assertThat(Codec.labels().decode(labels.get("digits/7/a.png")).label()).isEqualTo(7);
    assertThat(Codec.labels().decode(labels.get("digits/3/b.jpg")).label()).isEqualTo(3);
  }

  @Test
  void anInternalErrorOnOneFileIsCountedApartAndTheOtherFilesArePublished() throws Exception {
    Path good = TestImages.writeDigit(tmp.resolve("bug/4/good.png"), 0);
    List<SourceItem> items =
        List.of(
            new LabelledImage(
                new DigitImage("bug/4/good.png", MnistPreprocessor.fromFile(good), good.toString()),
                java.util.OptionalInt.of(4)),
            new InternalFailure(
                "bug/odd.png",
                "java.lang.IllegalStateException: resampler lost its way",
                new IllegalStateException("resampler lost its way")),
            new BadInput("bug/text.png", "not an image"));
    ImageSource source =
        new ImageSource() {
          @Override
          public String name() {
            return "files:bug";
          }

          @Override
          public int size() {
            return items.size();
          }

          @Override
          public java.util.Iterator<SourceItem> iterator() {
            return items.iterator();
          }
        };
    java.io.StringWriter console = new java.io.StringWriter();
    PublishSummary summary;
    try (DigitPublisher publisher = publisher("bug.images", "bug.labels").build()) {
      summary =
          publisher.publish(
              source,
              new ConsoleProgress(
                  new java.io.PrintWriter(console, true), ConsoleProgress.Mode.NONE, true));
    }

    assertThat(summary.outcome()).isEqualTo(Outcome.INTERNAL_ERROR);
    assertThat(summary.exitCode()).isEqualTo(1);
    assertThat(summary.imagesSent()).isEqualTo(1);
    assertThat(summary.badInputCount()).isEqualTo(1);
    assertThat(summary.internalErrorCount()).isEqualTo(1);
    assertThat(summary.internalErrors())
        .extracting(InternalFailure::input)
        .containsExactly("bug/odd.png");
    assertThat(summary.toText(20)).contains("FAILED: 1 input hit an internal error");
    assertThat(console.toString())
        .contains("internal error on bug/odd.png: java.lang.IllegalStateException")
        .contains("\tat ")
        .contains("skipped bug/text.png: not an image");
    assertThat(readAll("bug.images")).hasSize(1);
  }

  @Test
  void aBadFileEndsTheRunWithExitCodeTwoWhenToldToFailOnBadInput() {
    Path root = tmp.resolve("strict");
    TestImages.writeDigit(root.resolve("3/a.png"), 0);
    Path broken = TestImages.writeNotAnImage(root.resolve("3/b.png"));
    TestImages.writeDigit(root.resolve("3/c.png"), 1);

    CliRun run =
        Produce.run(
            root.toString(),
            "--fail-on-bad-input",
            "--json",
            "--bootstrap-servers",
            kafka.bootstrapServers(),
            "--topic-images",
            "strict.images",
            "--topic-labels",
            "strict.labels");

    assertThat(run.exitCode()).as(run.all()).isEqualTo(2);
    JsonNode summary = run.json();
    assertThat(summary.get("outcome").asText()).isEqualTo("BAD_INPUT");
    assertThat(summary.get("error").asText()).contains(broken.toString());
    assertThat(summary.get("imagesSent").asLong()).isEqualTo(1);
  }

  @Test
  void anUnreachableBrokerGivesExitCodeOneAndAClearMessageQuickly() throws IOException {
    TestImages.writeMnistTest(tmp, 1, 1);
    int port = freePort();
    long start = System.nanoTime();

    CliRun run =
        Produce.run(
            "--data", tmp.toString(),
            "--bootstrap-servers", "127.0.0.1:" + port,
            "-X", "max.block.ms=1500",
            "-X", "request.timeout.ms=1000",
            "-X", "delivery.timeout.ms=2000");

    assertThat(run.exitCode()).as(run.all()).isEqualTo(1);
    assertThat(run.out()).isEmpty();
    assertThat(run.err())
        .contains("error: Cannot reach Kafka at 127.0.0.1:" + port)
        .contains("max.block.ms");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
  }

  @Test
  void aMissingTopicWithCreationOffIsAnErrorNamingTheTopic() throws Exception {
    TestImages.writeMnistTest(tmp, 5, 13);

    CliRun run =
        Produce.run(
            "--data",
            tmp.toString(),
            "--no-create-topics",
            "--json",
            "--bootstrap-servers",
            kafka.bootstrapServers(),
            "--topic-images",
            "absent.images",
            "--topic-labels",
            "absent.labels",
            "-X",
            "max.block.ms=5000");

    assertThat(run.exitCode()).as(run.all()).isEqualTo(1);
    JsonNode summary = run.json();
    assertThat(summary.get("outcome").asText()).isEqualTo("KAFKA_UNAVAILABLE");
    assertThat(summary.get("error").asText())
        .contains("absent.images")
        .contains("absent.labels")
        .contains("do not exist")
        .contains("--no-create-topics");
    try (Admin admin = kafka.clients().admin()) {
      assertThat(admin.listTopics().names().get(10, TimeUnit.SECONDS))
          .doesNotContain("absent.images", "absent.labels");
    }
  }

  @Test
  void recordsTheBrokerRefusesFailTheRunWithTheirIdsAndExitCodeOne() {
    TestImages.writeMnistTest(tmp, 20, 14);
    // Every image record is larger than this topic accepts.
    kafka
        .broker()
        .createTopics(
            List.of(
                new NewTopic("tiny.images", 1, (short) 1)
                    .configs(Map.of("max.message.bytes", "200"))));

    CliRun run =
        Produce.run(
            "--data",
            tmp.toString(),
            "--no-labels",
            "--json",
            "--bootstrap-servers",
            kafka.bootstrapServers(),
            "--topic-images",
            "tiny.images");

    assertThat(run.exitCode()).as(run.all()).isEqualTo(1);
    JsonNode summary = run.json();
    assertThat(summary.get("outcome").asText()).isEqualTo("SEND_FAILED");
    assertThat(summary.get("failedCount").asLong()).isPositive();
    assertThat(summary.get("imagesSent").asLong()).isZero();
    assertThat(summary.get("failures").findValuesAsText("id")).contains("mnist-test-00000");
    assertThat(summary.get("failures").get(0).get("error").asText()).contains("RecordTooLarge");
  }

  @Test
  void sendsNoLabelForAnImageKafkaRefused() {
    TestImages.writeMnistTest(tmp, 20, 14);
    kafka
        .broker()
        .createTopics(
            List.of(
                new NewTopic("refused.images", 1, (short) 1)
                    .configs(Map.of("max.message.bytes", "200")),
                new NewTopic("refused.labels", 1, (short) 1)));

    CliRun run =
        Produce.run(
            "--data",
            tmp.toString(),
            "--json",
            "--bootstrap-servers",
            kafka.bootstrapServers(),
            "--topic-images",
            "refused.images",
            "--topic-labels",
            "refused.labels");

    assertThat(run.exitCode()).as(run.all()).isEqualTo(1);
    assertThat(run.json().get("imagesSent").asLong()).isZero();
    assertThat(run.json().get("labelsSent").asLong()).isZero();
    // A label for an image that is not in Kafka would count as an unmatched label downstream.
    assertThat(readAll("refused.labels")).isEmpty();
  }

  @Test
  void delayedLabelsArriveAfterTheirImagesAndTheRunWaitsForThem() throws Exception {
    TestImages.writeMnistTest(tmp, 10, 15);
    PublishSummary summary;
    try (DigitPublisher publisher =
        publisher("late.images", "late.labels").labelDelay(Duration.ofSeconds(1)).build()) {
      summary =
          publisher.publish(
              IdxSource.mnist(tmp, MnistDataset.Split.TEST, Selection.all()), PublishListener.NONE);
    }

    assertThat(summary.outcome()).isEqualTo(Outcome.COMPLETED);
    assertThat(summary.labelsSent()).isEqualTo(10);
    Map<String, Long> imageTime = timestampsByKey(readAll("late.images"));
    Map<String, Long> labelTime = timestampsByKey(readAll("late.labels"));
    assertThat(labelTime.keySet()).isEqualTo(imageTime.keySet());
    labelTime.forEach(
        (id, t) -> assertThat(t - imageTime.get(id)).as(id).isGreaterThanOrEqualTo(990));
  }

  @Test
  void stoppingWhileLabelsWaitSendsThemAtOnce() throws Exception {
    TestImages.writeMnistTest(tmp, 5, 16);
    PublishSummary summary;
    long start = System.nanoTime();
    try (DigitPublisher publisher =
        publisher("hurry.images", "hurry.labels").labelDelay(Duration.ofMinutes(5)).build()) {
      summary =
          publisher.publish(
              IdxSource.mnist(tmp, MnistDataset.Split.TEST, Selection.all()),
              new PublishListener() {
                @Override
                public void progress(Progress p) {
                  if (p.processed() == p.total() && p.labelsWaiting() > 0) {
                    publisher.stop();
                  }
                }
              });
    }

    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
    assertThat(summary.outcome()).isEqualTo(Outcome.COMPLETED);
    assertThat(summary.labelsSent()).isEqualTo(5);
    assertThat(readAll("hurry.labels")).hasSize(5);
  }

  @Test
  void stoppingMidwayEndsTheRunWithoutLosingWhatWasSent() throws Exception {
    TestImages.writeMnistTest(tmp, 1000, 17);
    PublishSummary summary;
    try (DigitPublisher publisher = publisher("stop.images", "stop.labels").rate(200).build()) {
      summary =
          publisher.publish(
              IdxSource.mnist(tmp, MnistDataset.Split.TEST, Selection.all()),
              new PublishListener() {
                @Override
                public void progress(Progress p) {
                  if (p.processed() >= 50) {
                    publisher.stop();
                  }
                }
              });
    }

    assertThat(summary.outcome()).isEqualTo(Outcome.STOPPED);
    assertThat(summary.exitCode()).isEqualTo(130);
    assertThat(summary.failedCount()).isZero();
    assertThat(summary.imagesSent()).isBetween(50L, 200L);
    assertThat(readAll("stop.images")).hasSize((int) summary.imagesSent());
    assertThat(readAll("stop.labels")).hasSize((int) summary.labelsSent());
    assertThat(summary.labelsSent()).isEqualTo(summary.imagesSent());
  }

  @Test
  void sendingAtFullSpeedRightAfterCreatingTopicsLosesNothing() throws Exception {
    // KAFKA-15591: an idempotent producer's first batch to a brand-new partition can be lost.
    TestImages.writeMnistTest(tmp, 400, 18);
    for (int round = 0; round < 3; round++) {
      String topic = "fresh" + round;
      PublishSummary summary;
      try (DigitPublisher publisher =
          publisher(topic + ".images", topic + ".labels")
              .setting("linger.ms", "0")
              .setting(DigitPublisher.PARTITIONS, "8")
              .build()) {
        summary =
            publisher.publish(
                IdxSource.mnist(tmp, MnistDataset.Split.TEST, Selection.all()),
                PublishListener.NONE);
      }
      assertThat(summary.outcome()).as(summary.toText(5)).isEqualTo(Outcome.COMPLETED);
      assertThat(readAll(topic + ".images")).hasSize(400);
      assertThat(readAll(topic + ".labels")).hasSize(400);
    }
  }

  private static DigitPublisher.Builder publisher(String imagesTopic, String labelsTopic) {
    return DigitPublisher.builder()
        .bootstrapServers(kafka.bootstrapServers())
        .setting("digitstream.topic.images", imagesTopic)
        .setting("digitstream.topic.labels", labelsTopic);
  }

  /** Every record of {@code topic}, from the beginning to the end offsets of now. */
  private static List<ConsumerRecord<String, byte[]>> readAll(String topic) {
    return kafka.clients().readToEnd(topic);
  }

  private static Map<String, byte[]> byKey(List<ConsumerRecord<String, byte[]>> records) {
    Map<String, byte[]> out = new HashMap<>();
    records.forEach(r -> out.put(r.key(), r.value()));
    return out;
  }

  private static Map<String, Long> timestampsByKey(List<ConsumerRecord<String, byte[]>> records) {
    Map<String, Long> out = new HashMap<>();
    records.forEach(r -> out.put(r.key(), r.timestamp()));
    return out;
  }

  private static int partitionsOf(String topic) {
    try (Admin admin = kafka.clients().admin()) {
      return admin
          .describeTopics(List.of(topic))
          .allTopicNames()
          .get(10, TimeUnit.SECONDS)
          .get(topic)
          .partitions()
          .size();
    } catch (Exception e) {
      throw new AssertionError("cannot describe " + topic, e);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress("127.0.0.1", 0));
      return socket.getLocalPort();
    }
  }
}
