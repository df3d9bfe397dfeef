package io.digitstream.streams.reliability;

import com.fasterxml.jackson.databind.JsonNode;
import io.digitstream.record.DigitImage;
import io.digitstream.record.Json;
import io.digitstream.streams.Fixtures;
import io.digitstream.streams.StreamsCli;
import io.digitstream.testkit.TestClients;
import java.io.IOException;
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
final class AppProcess implements AutoCloseable {
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
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx768m");
    command.add("-Dorg.bytedeco.javacpp.maxbytes=768m");
    command.add("-Dorg.bytedeco.javacpp.maxphysicalbytes=2g");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(StreamsCli.class.getName());
    command.add("--bootstrap-servers=" + bootstrap);
    command.add("--model=" + Fixtures.modelDirectory());
    command.add("--threads=2");
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("application.id", name);
    settings.put("state.dir", dir.resolve(name + "-state-" + instance).toString());
    settings.put("digitstream.topic.images", name + ".images");
    settings.put("digitstream.topic.predictions", name + ".predictions");
    settings.put("digitstream.topic.dlq", name + ".dlq");
    settings.put("digitstream.topic.labels", name + ".labels");
    settings.put("digitstream.topic.accuracy", name + ".accuracy");
    settings.put("digitstream.topic.models", name + ".models");
    settings.put("digitstream.shadow.topic", name + ".shadow");
    settings.put("digitstream.topics.partitions", "4");
    settings.put("digitstream.http.port", "0");
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
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.redirectOutput(log.toFile());
    builder.environment().put("OMP_NUM_THREADS", "1");
    return new AppProcess(builder.start(), log);
  }

  Process process() {
    return process;
  }

  Path log() {
    return log;
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

  /** The newest count of {@code version}'s cumulative matrix on the accuracy topic. */
  static long cumulativeCount(TestClients clients, String name, String version) throws IOException {
    String key = version + "|cumulative";
    long count = 0;
    for (ConsumerRecord<String, byte[]> r :
        clients.readCommitted(
            name + ".accuracy", Integer.MAX_VALUE, Duration.ofSeconds(2), Duration.ZERO)) {
      if (key.equals(r.key()) && r.value() != null) {
        JsonNode window = Json.MAPPER.readTree(r.value());
        count = Math.max(count, window.path("matrix").path("count").asLong());
      }
    }
    return count;
  }
}
