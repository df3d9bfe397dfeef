package io.digitstream.streams.models;

import static org.assertj.core.api.Assertions.assertThat;

import io.digitstream.streams.metrics.AppMetrics;
import io.digitstream.streams.models.FleetModels.Report;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Instances that disagree on the active model, seen from one of them. */
class FleetModelsTest {
  private final AtomicLong clock = new AtomicLong(1_000);
  private final Map<String, Report> answers = new ConcurrentHashMap<>();
  private final AppMetrics metrics = new AppMetrics();
  private final FleetModels fleet =
      new FleetModels(
          () -> "aaaaaaaaaaaa",
          () -> List.of("10.0.0.2:8080", "10.0.0.3:8080", "10.0.0.4:8080"),
          server -> Optional.ofNullable(answers.get(server)),
          Duration.ofSeconds(30),
          clock::get,
          metrics);

  @Test
  void reportsAnInstanceOnAnotherActiveModelOnlyOnceTheGracePeriodIsOver() {
    answers.put("10.0.0.2:8080", new Report("10.0.0.2:8080", "RUNNING", "aaaaaaaaaaaa", null));
    answers.put("10.0.0.3:8080", new Report("10.0.0.3:8080", "RUNNING", "bbbbbbbbbbbb", null));
    // Not answering, or not running: no evidence of a disagreement.
    answers.put("10.0.0.4:8080", new Report("10.0.0.4:8080", "REBALANCING", "cccccccccccc", null));

    fleet.poll();
    assertThat(fleet.divergence().degraded()).isFalse();
    assertThat(fleet.divergence().instances())
        .containsExactly(new ModelStatus.Peer("10.0.0.3:8080", "bbbbbbbbbbbb"));
    assertThat(metrics.scrape()).contains("digitstream_model_peers_diverging 1.0");
    assertThat(metrics.modelDivergences()).isZero();

    clock.addAndGet(30_000);
    fleet.poll();
    assertThat(fleet.divergence().degraded()).isTrue();
    assertThat(fleet.divergence().since()).isEqualTo(1_000);
    assertThat(metrics.modelDivergences()).isEqualTo(1);
    clock.addAndGet(5_000);
    fleet.poll();
    assertThat(metrics.modelDivergences()).as("counted once per divergence").isEqualTo(1);
    assertThat(
            ModelStatus.serving(new ModelStatus.Loaded("aaaaaaaaaaaa", "/m/a", 1L))
                .withDivergence(fleet.divergence())
                .degradedReasons())
        .containsExactly(
            "instances disagree on the active model: this one serves aaaaaaaaaaaa,"
                + " 10.0.0.3:8080 serves bbbbbbbbbbbb");

    answers.put("10.0.0.3:8080", new Report("10.0.0.3:8080", "RUNNING", "aaaaaaaaaaaa", null));
    fleet.poll();
    assertThat(fleet.divergence()).isNull();
    assertThat(metrics.scrape()).contains("digitstream_model_peers_diverging 0.0");
  }
}
