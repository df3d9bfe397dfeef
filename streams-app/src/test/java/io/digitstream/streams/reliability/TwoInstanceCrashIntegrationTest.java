package io.digitstream.streams.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.digitstream.streams.Fixtures;
import io.digitstream.testkit.EmbeddedKafkaExtension;
import io.digitstream.testkit.TestClients;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Two scoring applications as separate JVMs share a 4-partition images topic carrying 20,000 images
 * and their labels; one is killed with SIGKILL mid-stream and started again. Under {@code
 * exactly_once_v2} a {@code read_committed} reader sees exactly one prediction per image and the
 * cumulative confusion matrix counts each labelled image once; under {@code at_least_once} no image
 * is missing and the duplicates are counted and reported.
 *
 * <p>Part of the long suite (a few minutes): run with {@code -Ddigitstream.long=true}.
 */
@Tag("long")
@EnabledIfSystemProperty(named = "digitstream.long", matches = "true")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TwoInstanceCrashIntegrationTest {
  private static final Logger log = LoggerFactory.getLogger(TwoInstanceCrashIntegrationTest.class);
  private static final int IMAGES = 20_000;

  @RegisterExtension
  static final EmbeddedKafkaExtension kafka =
      EmbeddedKafkaExtension.create().withQuickTransactionAbort();

  @TempDir Path dir;

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {StreamsConfig.EXACTLY_ONCE_V2, StreamsConfig.AT_LEAST_ONCE})
  void killingOneOfTwoInstancesMidStreamLosesNoImage(String guarantee) throws Exception {
    String name = Fixtures.uniqueName("two-" + guarantee.replace('_', '-'));
    long started = System.nanoTime();
    TestClients clients = kafka.clients();

    try (AppProcess a = launch(name, guarantee, "a", "a-1.log");
        AppProcess b = launch(name, guarantee, "b", "b-1.log")) {
      clients.awaitServing(name + ".images", Duration.ofSeconds(60), a.process(), a.log());
      clients.send(AppProcess.imagesAndLabels(name, IMAGES));
      clients.readCommitted(
          name + ".predictions", IMAGES / 5, Duration.ofSeconds(180), Duration.ZERO);
      a.kill();
      int committedAtKill = AppProcess.committedPredictions(clients, name);
      log.info("{}: killed instance a with {} predictions committed", guarantee, committedAtKill);
      try (AppProcess aAgain = launch(name, guarantee, "a", "a-2.log")) {
        AppProcess.Figures figures =
            AppProcess.Figures.of(
                IMAGES,
                clients.readCommitted(
                    name + ".predictions", IMAGES, Duration.ofSeconds(300), Duration.ofSeconds(5)));
        long matrixCount = AppProcess.awaitStableCumulativeCount(clients, name, IMAGES);
        long elapsedMs = (System.nanoTime() - started) / 1_000_000;
        log.info(
            "RESULT {}: {}, cumulative matrix count {}, {} committed at kill, {} ms",
            guarantee,
            figures,
            matrixCount,
            committedAtKill,
            elapsedMs);

        assertThat(committedAtKill).as("killed mid-stream").isLessThan(IMAGES);
        if (guarantee.equals(StreamsConfig.EXACTLY_ONCE_V2)) {
          figures.assertExactlyOnce(matrixCount);
        } else {
          assertThat(figures.missing()).as("images without a prediction").isZero();
          assertThat(matrixCount).as("labelled images counted").isGreaterThanOrEqualTo(IMAGES);
        }
        assertThat(b.isAlive()).as("instance b survived").isTrue();
        assertThat(aAgain.isAlive()).as("restarted instance a running").isTrue();
      }
    }
  }

  private AppProcess launch(String name, String guarantee, String instance, String logName)
      throws IOException {
    return AppProcess.launch(
        kafka.bootstrapServers(),
        dir,
        name,
        instance,
        logName,
        Map.of("processing.guarantee", guarantee));
  }
}
