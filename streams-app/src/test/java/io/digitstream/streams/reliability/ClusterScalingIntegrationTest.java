package io.digitstream.streams.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.digitstream.accuracy.ConfusionMatrix;
import io.digitstream.broker.ClusterNode;
import io.digitstream.broker.SaslSslListener;
import io.digitstream.record.Codec;
import io.digitstream.record.Json;
import io.digitstream.record.Prediction;
import io.digitstream.streams.Fixtures;
import io.digitstream.streams.StreamsCli;
import io.digitstream.testkit.KafkaClusterExtension;
import io.digitstream.testkit.TestClients;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scales the application 1 → 3 → 1 instances (child JVMs) on 12 partitions of a three-broker
 * cluster while it works through a backlog: no image lost or scored twice, the cumulative matrix
 * equal to the offline one, every answer of {@code /api/accuracy/<version>/cumulative} from an
 * instance that says RUNNING the whole matrix (never a partial or failed one), and the throughput
 * with one and with three instances.
 *
 * <p>Part of the long suite: run with {@code -Ddigitstream.long=true}.
 */
@Tag("long")
@EnabledIfSystemProperty(named = "digitstream.long", matches = "true")
class ClusterScalingIntegrationTest {
  private static final Logger log = LoggerFactory.getLogger(ClusterScalingIntegrationTest.class);
  private static final int IMAGES = 48_000;
  private static final int PARTITIONS = 12;
  private static final Duration ALL_SCORED = Duration.ofSeconds(600);
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @RegisterExtension
  static final KafkaClusterExtension kafka =
      KafkaClusterExtension.ofBrokers(3).withQuickTransactionAbort();

  @TempDir Path dir;

  /** An instance and the port of its REST API. */
  private record Instance(String name, AppProcess app, int port) {}

  /** What the REST answers said while the instances came and went. */
  private static final class Answers {
    final AtomicLong whole = new AtomicLong();
    final AtomicLong failedWhileRunning = new AtomicLong();
    final AtomicLong notRunning = new AtomicLong();
    final AtomicLong largestDrop = new AtomicLong();
    final AtomicLong highest = new AtomicLong();
    final Map<String, String> firstFailure = new ConcurrentHashMap<>();
    final AtomicReference<String> largestDropSeen = new AtomicReference<>("none");

    @Override
    public String toString() {
      return String.format(
          "%d answers while RUNNING (%d failed), %d polls while not RUNNING, largest drop below"
              + " an earlier answer %d (%s); first failures %s",
          whole.get() + failedWhileRunning.get(),
          failedWhileRunning.get(),
          notRunning.get(),
          largestDrop.get(),
          largestDropSeen.get(),
          firstFailure);
    }
  }

  @Test
  void scalingOneToThreeToOneLosesNothingAndEveryRunningInstanceAnswersTheWholeMatrix()
      throws Exception {
    String name = Fixtures.uniqueName("scale3");
    TestClients clients = kafka.clients();
    int[] ports = SaslSslListener.freePorts(3);
    List<Instance> live = new CopyOnWriteArrayList<>();
    Answers answers = new Answers();
    AtomicBoolean polling = new AtomicBoolean(true);
    Thread poller = new Thread(() -> poll(live, answers, polling), "rest-poller");
    Instance a = launch(name, "a", ports[0]);
    Instance b = null;
    Instance c = null;
    try {
      live.add(a);
      clients.awaitServing(
          name + ".images", Duration.ofSeconds(90), a.app().process(), a.app().log());
      a.app().awaitRunning();
      poller.start();
      ChildCpu appCpu = new ChildCpu(StreamsCli.class).sample();
      ChildCpu brokerCpu = new ChildCpu(ClusterNode.class).sample();
      clients.send(AppProcess.imagesAndLabels(name, IMAGES));
      awaitCommitted(clients, name, IMAGES / 4);
      long scaleOut = System.currentTimeMillis();
      b = launch(name, "b", ports[1]);
      c = launch(name, "c", ports[2]);
      live.add(b);
      live.add(c);
      b.app().awaitRunning();
      c.app().awaitRunning();
      long threeRunning = System.currentTimeMillis();
      awaitCommitted(clients, name, IMAGES * 3 / 4);
      long scaleIn = System.currentTimeMillis();
      live.remove(b);
      live.remove(c);
      appCpu.sample();
      int exitB = b.app().terminate(Duration.ofSeconds(60));
      int exitC = c.app().terminate(Duration.ofSeconds(60));
      long oneAgain = System.currentTimeMillis();

      List<ConsumerRecord<String, byte[]>> records =
          clients.readCommitted(name + ".predictions", IMAGES, ALL_SCORED, Duration.ofSeconds(5));
      appCpu.sample();
      brokerCpu.sample();
      AppProcess.Figures figures = AppProcess.Figures.of(IMAGES, records);
      long count = AppProcess.awaitStableCumulativeCount(clients, name, IMAGES);
      // Give the poller a few answers of the final matrix from the one instance left.
      Thread.sleep(3_000);
      polling.set(false);
      poller.join();
      ConfusionMatrix streamed = StallFigures.cumulativeMatrix(clients, name).orElseThrow();
      List<Prediction> predictions =
          records.stream().map(r -> Codec.predictions().decode(r.value())).toList();
      long firstScored = predictions.stream().mapToLong(Prediction::scoredAt).min().orElseThrow();
      long lastScored = predictions.stream().mapToLong(Prediction::scoredAt).max().orElseThrow();
      log.info(
          "RESULT scale 1 -> 3 -> 1 on {} partitions: {}; images/s with 1 instance {}, with 3"
              + " (all running) {}, with 1 again {}; rebalance to 3 took {} ms; b, c exit {}, {};"
              + " REST: {}; CPU per image: app instances {} ms, the three brokers {} ms;"
              + " bytes on disk per image and replica: {}; cumulative matrix count {}, equals"
              + " offline: {}",
          PARTITIONS,
          figures,
          rate(predictions, firstScored, scaleOut),
          rate(predictions, threeRunning, scaleIn),
          rate(predictions, oneAgain, lastScored),
          threeRunning - scaleOut,
          exitB,
          exitC,
          answers,
          perImage(appCpu.used()),
          perImage(brokerCpu.used()),
          bytesPerImage(kafka.cluster().dataDirectory(), name),
          count,
          streamed.equals(StallFigures.offlineMatrix(IMAGES)));

      figures.assertExactlyOnce(count);
      assertThat(streamed).isEqualTo(StallFigures.offlineMatrix(IMAGES));
      assertThat(answers.firstFailure).as("answers of RUNNING instances that failed").isEmpty();
      assertThat(answers.largestDrop.get()).as("a partial matrix").isZero();
      assertThat(answers.highest.get()).as("the final matrix answered").isEqualTo(IMAGES);
    } finally {
      polling.set(false);
      poller.join(10_000);
      for (Instance i : new Instance[] {c, b, a}) {
        if (i != null) {
          i.app().close();
        }
      }
    }
  }

  /**
   * Asks every live instance for the cumulative matrix twice a second. An instance that says
   * RUNNING must answer it whole: never fail, never count less than an answer completed before.
   */
  private static void poll(List<Instance> live, Answers answers, AtomicBoolean polling) {
    String version = Fixtures.bundle().version();
    while (polling.get()) {
      for (Instance i : live) {
        long before = answers.highest.get();
        String state = state(i);
        if (!"RUNNING".equals(state)) {
          answers.notRunning.incrementAndGet();
          continue;
        }
        try {
          HttpResponse<String> r = get(i.port(), "/api/accuracy/" + version + "/cumulative");
          if (r.statusCode() == 404 && before == 0) {
            continue; // nothing counted yet anywhere
          }
          if (r.statusCode() != 200) {
            throw new IllegalStateException(r.statusCode() + " " + r.body());
          }
          long count = Json.MAPPER.readTree(r.body()).path("matrix").path("count").asLong(-1);
          answers.whole.incrementAndGet();
          if (before - count > answers.largestDrop.get()) {
            answers.largestDrop.set(before - count);
            answers.largestDropSeen.set(
                String.format(
                    "%s answered %d after %d at %tT", i.name(), count, before, new Date()));
          }
          answers.highest.accumulateAndGet(count, Math::max);
        } catch (Exception e) {
          // Counted only if the instance still says RUNNING after the failed answer.
          if ("RUNNING".equals(state(i))) {
            answers.failedWhileRunning.incrementAndGet();
            answers.firstFailure.putIfAbsent(
                i.name(), String.format("%tT %s", new Date(), e.getMessage()));
          }
        }
      }
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private static String state(Instance i) {
    try {
      JsonNode body = Json.MAPPER.readTree(get(i.port(), "/ready").body());
      return body.path("state").asText();
    } catch (Exception e) {
      return "UNREACHABLE";
    }
  }

  private static HttpResponse<String> get(int port, String path) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(5))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static String perImage(Duration cpu) {
    return String.format("%.3f", cpu.toNanos() / 1e6 / IMAGES);
  }

  /**
   * Bytes of log segments per image for each of the application's topics, divided by the
   * replication factor (3): what one replica holds at the end, after any compaction so far.
   */
  private static Map<String, Long> bytesPerImage(Path dataDirectory, String name)
      throws IOException {
    Pattern partitionDir = Pattern.compile("(.+)-\\d+");
    Map<String, Long> bytes = new TreeMap<>();
    try (Stream<Path> files = Files.walk(dataDirectory)) {
      for (Path f : files.filter(f -> f.toString().endsWith(".log")).toList()) {
        Matcher m = partitionDir.matcher(f.getParent().getFileName().toString());
        if (m.matches() && m.group(1).startsWith(name)) {
          bytes.merge(m.group(1).substring(name.length() + 1), Files.size(f), Long::sum);
        }
      }
    }
    bytes.replaceAll((topic, total) -> total / 3 / IMAGES);
    return bytes;
  }

  /** Predictions per second scored in {@code [from, to]}. */
  private static long rate(List<Prediction> predictions, long from, long to) {
    long n = predictions.stream().filter(p -> p.scoredAt() >= from && p.scoredAt() <= to).count();
    return to > from ? n * 1000 / (to - from) : -1;
  }

  private Instance launch(String name, String instance, int port) throws Exception {
    AppProcess app =
        AppProcess.launch(
            kafka.bootstrapServers(),
            dir,
            name,
            instance,
            instance + ".log",
            Map.of(
                "digitstream.topics.partitions",
                String.valueOf(PARTITIONS),
                "digitstream.http.port",
                String.valueOf(port)));
    return new Instance(instance, app, port);
  }

  private static void awaitCommitted(TestClients clients, String name, int count) {
    clients.readCommitted(name + ".predictions", count, ALL_SCORED, Duration.ZERO);
  }
}
