package io.digitstream.streams.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.digitstream.accuracy.ConfusionMatrix;
import io.digitstream.record.DigitImage;
import io.digitstream.streams.Fixtures;
import io.digitstream.streams.StreamsCli;
import io.digitstream.testkit.TestClients;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * A scoring application in a JVM of its own, so that it can be killed for real, and the figures a
 * crash test reports. Instances of one test share an application id and topics named after it.
 */
public final class AppProcess implements AutoCloseable {
  private final Process process;
  private final Path log;

  private AppProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /**
   * Starts {@code stream} for application {@code name} on {@code bootstrap}, with its state in
   * {@code dir/<name>-state-<instance>} and its output in {@code dir/<logName>}; {@code extra}
   * settings override the defaults below.
   */
  static AppProcess launch(
      String bootstrap,
      Path dir,
      String name,
      String instance,
      String logName,
      Map<String, String> extra)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add("--threads=2");
    Map<String, String> settings =
        new LinkedHashMap<>(
            Fixtures.settings(bootstrap, name, dir.resolve(name + "-state-" + instance)));
    settings.put("digitstream.topics.partitions", "4");
    // A killed member leaves the group and its transaction ends within seconds.
    settings.put("session.timeout.ms", "6000");
    settings.put("heartbeat.interval.ms", "1500");
    settings.put("producer.transaction.timeout.ms", "5000");
    settings.putAll(extra);
    settings.forEach(
        (k, v) -> {
          command.add("-X");
          command.add(k + "=" + v);
        });
    Path log = dir.resolve(logName);
    return new AppProcess(start(command, "768m", log), log);
  }

  /** {@code stream args} in a new JVM with {@code heap} for the heap and for javacpp. */
  public static Process start(List<String> args, String heap, Path log) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx" + heap);
    command.add("-Dorg.bytedeco.javacpp.maxbytes=" + heap);
    command.add("-Dorg.bytedeco.javacpp.maxphysicalbytes=2g");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(StreamsCli.class.getName());
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.redirectOutput(log.toFile());
    builder.environment().put("OMP_NUM_THREADS", "1");
    return builder.start();
  }

  Process process() {
    return process;
  }

  Path log() {
    return log;
  }

  /** Waits up to 2 minutes for the app's log to say Kafka Streams is RUNNING. */
  void awaitRunning() {
    await("running, log " + log)
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(250))
        .until(() -> Files.readString(log).contains("-> RUNNING"));
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** SIGKILL: nothing is committed, closed or flushed. */
  void kill() throws InterruptedException {
    process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
  }

  /** SIGTERM, then waits for the shutdown hook to close Kafka Streams; the exit code. */
  int terminate(Duration timeout) throws InterruptedException {
    process.destroy();
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      return -1;
    }
    return process.exitValue();
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      terminate(Duration.ofSeconds(30));
    }
  }

  /**
   * {@code images} MNIST test images and their labels, for the topics of application {@code name}.
   */
  static List<ProducerRecord<String, byte[]>> imagesAndLabels(String name, int images) {
    List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
    for (int i = 0; i < images; i++) {
      DigitImage image = Fixtures.image("img-" + i, i);
      records.add(new ProducerRecord<>(name + ".images", image.id(), Fixtures.json(image)));
      int digit = Fixtures.digits().label(i % Fixtures.digits().size());
      records.add(
          new ProducerRecord<>(
              name + ".labels",
              image.id(),
              ("{\"id\":\"" + image.id() + "\",\"label\":" + digit + "}").getBytes()));
    }
    return records;
  }

  /** How many predictions a {@code read_committed} reader sees now, without waiting. */
  static int committedPredictions(TestClients clients, String name) {
    return clients
        .readCommitted(
            name + ".predictions", Integer.MAX_VALUE, Duration.ofSeconds(2), Duration.ZERO)
        .size();
  }

  /** What a {@code read_committed} reader sees of the predictions for {@code images} ids. */
  record Figures(int images, int predictions, int distinct, int missing, int duplicates) {
    static Figures of(int images, List<ConsumerRecord<String, byte[]>> predictions) {
      Map<String, Long> perId =
          predictions.stream()
              .collect(Collectors.groupingBy(ConsumerRecord::key, Collectors.counting()));
      return new Figures(
          images,
          predictions.size(),
          perId.size(),
          images - perId.size(),
          predictions.size() - perId.size());
    }

    /** Every image scored once, and the cumulative matrix counting each label once. */
    void assertExactlyOnce(long cumulativeCount) {
      assertThat(missing).as("images without a prediction").isZero();
      assertThat(duplicates).as("duplicate predictions").isZero();
      assertThat(cumulativeCount).as("labelled images counted").isEqualTo(images);
    }

    @Override
    public String toString() {
      return images
          + " images, "
          + predictions
          + " predictions, "
          + distinct
          + " distinct, "
          + missing
          + " missing, "
          + duplicates
          + " duplicates";
    }
  }

  /**
   * The newest cumulative count of the fixture model once it is at least {@code images} and stable.
   */
  static long awaitStableCumulativeCount(TestClients clients, String name, int images) {
    return awaitStableCumulativeCount(clients, name, Fixtures.bundle().version(), images);
  }

  /**
   * The newest cumulative count of {@code version} once it is at least {@code atLeast} and stable.
   */
  static long awaitStableCumulativeCount(
      TestClients clients, String name, String version, int atLeast) {
    long[] last = {-1};
    await()
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofSeconds(3))
        .until(
            () -> {
              long now = cumulativeCount(clients, name, version);
              boolean stable = now >= atLeast && now == last[0];
              last[0] = now;
              return stable;
            });
    return last[0];
  }

  /** The newest count of {@code version}'s cumulative matrix on the accuracy topic. */
  static long cumulativeCount(TestClients clients, String name, String version) {
    return StallFigures.cumulativeMatrix(clients, name, version)
        .map(ConfusionMatrix::count)
        .orElse(0L);
  }
}
