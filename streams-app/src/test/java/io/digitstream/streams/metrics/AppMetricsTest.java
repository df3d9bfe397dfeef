package io.digitstream.streams.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import org.junit.jupiter.api.Test;

class AppMetricsTest {
  @Test
  void storeMetricsOfEveryStoreTypeReachPrometheus() {
    AppMetrics metrics = new AppMetrics();
    var registry = metrics.registry();
    // As Kafka Streams' metrics arrive through Micrometer: the store tag is named after its type.
    Gauge.builder("kafka.stream.state.put.latency.max", () -> 1.0)
        .tags(Tags.of("in.memory.state.id", "pending-images", "task.id", "0_0"))
        .register(registry);
    Gauge.builder("kafka.stream.state.put.latency.max", () -> 2.0)
        .tags(Tags.of("rocksdb.state.id", "label-join-rounds", "task.id", "0_0"))
        .register(registry);

    String scrape = registry.scrape();

    assertThat(scrape)
        .contains(
            "kafka_stream_state_put_latency_max{state_id=\"pending-images\",store_type=\"in.memory\",task_id=\"0_0\"} 1.0")
        .contains(
            "kafka_stream_state_put_latency_max{state_id=\"label-join-rounds\",store_type=\"rocksdb\",task_id=\"0_0\"} 2.0");
  }

  @Test
  void otherMetricsKeepTheirTags() {
    AppMetrics metrics = new AppMetrics();
    Gauge.builder("kafka.stream.thread.commit.ratio", () -> 0.5)
        .tags(Tags.of("thread.id", "t-1"))
        .register(metrics.registry());

    assertThat(metrics.registry().scrape())
        .contains("kafka_stream_thread_commit_ratio{thread_id=\"t-1\"} 0.5");
  }
}
