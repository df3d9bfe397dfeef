package io.digitstream.streams.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.digitstream.model.ModelBundle;
import io.digitstream.record.Codec;
import io.digitstream.record.ModelAnnouncement;
import io.digitstream.streams.Fixtures;
import io.digitstream.testkit.EmbeddedKafkaExtension;
import io.digitstream.testkit.TestClients;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What operators do to a running application, each on 20,000 images and their labels sent as one
 * backlog (so batches are pending at every moment), checked by a {@code read_committed} reader: no
 * image without a prediction, none with two, and the cumulative matrix counting each label once.
 *
 * <p>Part of the long suite: run with {@code -Ddigitstream.long=true}.
 */
@Tag("long")
@EnabledIfSystemProperty(named = "digitstream.long", matches = "true")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LifecycleIntegrationTest {
  private static final Logger log = LoggerFactory.getLogger(LifecycleIntegrationTest.class);
  private static final int IMAGES = 20_000;
  private static final Duration ALL_SCORED = Duration.ofSeconds(300);
  private static final Duration SWITCH_KILL_DELAY = Duration.ofMillis(150);

  @RegisterExtension
  static final EmbeddedKafkaExtension kafka =
      EmbeddedKafkaExtension.create().withQuickTransactionAbort();

  @TempDir Path dir;

  @Test
  void scalingOutToTwoAndBackToOneLosesAndRepeatsNothing() throws Exception {
    String name = Fixtures.uniqueName("scale");
    TestClients clients = kafka.clients();
    try (AppProcess a = launch(name, "a", "a.log", Map.of())) {
      clients.awaitServing(name + ".images", Duration.ofSeconds(60), a.process(), a.log());
      clients.send(AppProcess.imagesAndLabels(name, IMAGES));
      awaitCommitted(clients, name, IMAGES / 5);
      int atScaleOut;
      int atScaleIn;
      int exitOfB;
      try (AppProcess b = launch(name, "b", "b.log", Map.of())) {
        atScaleOut = AppProcess.committedPredictions(clients, name);
        awaitCommitted(clients, name, IMAGES * 3 / 5);
        atScaleIn = AppProcess.committedPredictions(clients, name);
        exitOfB = b.terminate(Duration.ofSeconds(60));
      }
      AppProcess.Figures figures = allPredictions(clients, name);
      long matrix = awaitStableCumulativeCount(clients, name);
      log.info(
          "RESULT scale 1 -> 2 -> 1: {}; b started at {} committed, stopped at {} (exit {});"
              + " cumulative matrix count {}",
          figures,
          atScaleOut,
          atScaleIn,
          exitOfB,
          matrix);

      assertThat(atScaleIn).as("b stopped before the end").isLessThan(IMAGES);
      figures.assertExactlyOnce(matrix);
      assertThat(a.isAlive()).isTrue();
    }
  }

  @Test
  void aStandbyTakesOverWhenTheActiveInstanceIsKilled() throws Exception {
    String name = Fixtures.uniqueName("standby");
    TestClients clients = kafka.clients();
    Map<String, String> standby = Map.of("num.standby.replicas", "1");
    try (AppProcess a = launch(name, "a", "a.log", standby);
        AppProcess b = launch(name, "b", "b.log", standby)) {
      clients.awaitServing(name + ".images", Duration.ofSeconds(60), a.process(), a.log());
      a.awaitRunning();
      b.awaitRunning();
      clients.send(AppProcess.imagesAndLabels(name, IMAGES));
      awaitCommitted(clients, name, IMAGES / 4);
      a.kill();
      long killedAt = System.nanoTime();
      int atKill = AppProcess.committedPredictions(clients, name);
      await()
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofMillis(250))
          .until(() -> AppProcess.committedPredictions(clients, name) > atKill);
      long stallMs = (System.nanoTime() - killedAt) / 1_000_000;
      AppProcess.Figures figures = allPredictions(clients, name);
      long matrix = awaitStableCumulativeCount(clients, name);
      log.info(
          "RESULT standby promotion: {}; active killed at {} committed, first new commit {} ms"
              + " later (session timeout 6 s); cumulative matrix count {}",
          figures,
          atKill,
          stallMs,
          matrix);

      assertThat(atKill).as("killed mid-stream").isLessThan(IMAGES);
      figures.assertExactlyOnce(matrix);
      assertThat(b.isAlive()).as("the standby serves on").isTrue();
    }
  }

  @Test
  void sigtermThenARestartOnTheSameStateDirectoryCarriesOn() throws Exception {
    String name = Fixtures.uniqueName("sigterm");
    TestClients clients = kafka.clients();
    int atStop;
    int exit;
    long stopMs;
    try (AppProcess a = launch(name, "a", "a-1.log", Map.of())) {
      clients.awaitServing(name + ".images", Duration.ofSeconds(60), a.process(), a.log());
      clients.send(AppProcess.imagesAndLabels(name, IMAGES));
      awaitCommitted(clients, name, IMAGES * 3 / 10);
      long stopping = System.nanoTime();
      exit = a.terminate(Duration.ofSeconds(60));
      stopMs = (System.nanoTime() - stopping) / 1_000_000;
      atStop = AppProcess.committedPredictions(clients, name);
    }
    // The shutdown hook closed Kafka Streams, committing what was scored, before the JVM ended.
    assertThat(Files.readString(dir.resolve("a-1.log")))
        .as("clean close")
        .contains("Kafka Streams PENDING_SHUTDOWN -> NOT_RUNNING");

    long restarting = System.nanoTime();
    try (AppProcess again = launch(name, "a", "a-2.log", Map.of())) {
      await()
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofMillis(250))
          .until(() -> AppProcess.committedPredictions(clients, name) > atStop);
      long resumeMs = (System.nanoTime() - restarting) / 1_000_000;
      AppProcess.Figures figures = allPredictions(clients, name);
      long matrix = awaitStableCumulativeCount(clients, name);
      log.info(
          "RESULT SIGTERM and restart: {}; stopped at {} committed in {} ms (exit {}), first new"
              + " commit {} ms after the restart; cumulative matrix count {}",
          figures,
          atStop,
          stopMs,
          exit,
          resumeMs,
          matrix);

      // 143 = 128 + SIGTERM: the JVM ran its shutdown hooks, which close Kafka Streams.
      assertThat(exit).as("exit code after SIGTERM").isEqualTo(143);
      assertThat(atStop).as("stopped mid-stream").isLessThan(IMAGES);
      figures.assertExactlyOnce(matrix);
      assertThat(again.isAlive()).isTrue();
    }
  }

  @Test
  void aCrashInTheMiddleOfAModelSwitchLeavesEveryImageScoredOnceByOneOfTheModels()
      throws Exception {
    String name = Fixtures.uniqueName("switch");
    TestClients clients = kafka.clients();
    ModelBundle before = Fixtures.bundle();
    ModelBundle after = Fixtures.signedCopy(Fixtures.resource("model-b"), dir.resolve("model-b"));
    int atKill;
    boolean switchedBeforeKill;
    try (AppProcess a = launch(name, "a", "a-1.log", Map.of())) {
      clients.awaitServing(name + ".images", Duration.ofSeconds(60), a.process(), a.log());
      clients.send(AppProcess.imagesAndLabels(name, IMAGES));
      awaitCommitted(clients, name, IMAGES / 4);
      clients.send(
          List.of(
              new ProducerRecord<>(
                  name + ".models",
                  ModelAnnouncement.ACTIVE,
                  Codec.modelAnnouncements()
                      .encode(
                          ModelAnnouncement.of(
                              ModelAnnouncement.ACTIVE,
                              after.version(),
                              after.directory().toAbsolutePath().toString(),
                              after.metadata().networkSha256(),
                              System.currentTimeMillis())))));
      // Loading and checking a bundle takes a few hundred ms: the kill lands during it or just
      // after the switch, with batches of both models pending.
      Thread.sleep(SWITCH_KILL_DELAY.toMillis());
      a.kill();
      atKill = AppProcess.committedPredictions(clients, name);
      switchedBeforeKill =
          Files.readString(a.log()).contains("Model " + after.version() + " (active) loaded");
    }
    try (AppProcess again = launch(name, "a", "a-2.log", Map.of())) {
      List<ConsumerRecord<String, byte[]>> predictions =
          clients.readCommitted(name + ".predictions", IMAGES, ALL_SCORED, Duration.ofSeconds(5));
      AppProcess.Figures figures = AppProcess.Figures.of(IMAGES, predictions);
      Map<String, Long> byVersion = new TreeMap<>();
      for (ConsumerRecord<String, byte[]> r : predictions) {
        byVersion.merge(Codec.predictions().decode(r.value()).modelVersion(), 1L, Long::sum);
      }
      long matrix =
          AppProcess.awaitStableCumulativeCount(clients, name, after.version(), 1)
              + AppProcess.cumulativeCount(clients, name, before.version());
      log.info(
          "RESULT kill -9 {} ms after a model announcement (switch logged before the kill: {}):"
              + " {}; {} committed at kill; predictions by version {}; both cumulative matrices"
              + " {}",
          SWITCH_KILL_DELAY.toMillis(),
          switchedBeforeKill,
          figures,
          atKill,
          byVersion,
          matrix);

      assertThat(atKill).as("killed mid-stream").isLessThan(IMAGES);
      assertThat(byVersion.keySet()).isSubsetOf(before.version(), after.version());
      assertThat(byVersion.get(after.version()))
          .as("the restart applies the announcement")
          .isPositive();
      assertThat(Files.readString(again.log()))
          .contains("Model " + after.version() + " (active) loaded");
      figures.assertExactlyOnce(matrix);
    }
  }

  private AppProcess launch(String name, String instance, String logName, Map<String, String> extra)
      throws IOException {
    return AppProcess.launch(kafka.bootstrapServers(), dir, name, instance, logName, extra);
  }

  private static void awaitCommitted(TestClients clients, String name, int count) {
    clients.readCommitted(name + ".predictions", count, ALL_SCORED, Duration.ZERO);
  }

  private static AppProcess.Figures allPredictions(TestClients clients, String name) {
    return AppProcess.Figures.of(
        IMAGES,
        clients.readCommitted(name + ".predictions", IMAGES, ALL_SCORED, Duration.ofSeconds(5)));
  }

  private static long awaitStableCumulativeCount(TestClients clients, String name) {
    return AppProcess.awaitStableCumulativeCount(clients, name, IMAGES);
  }
}
