package io.digitstream.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.digitstream.record.DigitLabel;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class DelayedLabelsTest {

  @Test
  void sendsEachLabelOnlyAfterTheDelayAndInOrder() throws Exception {
    Map<String, Long> sentAt = new ConcurrentHashMap<>();
    List<String> order = new CopyOnWriteArrayList<>();
    DelayedLabels labels =
        new DelayedLabels(
            Duration.ofMillis(300),
            label -> {
              sentAt.put(label.id(), System.nanoTime());
              order.add(label.id());
            });
    long scheduledAt = System.nanoTime();
    for (int i = 0; i < 5; i++) {
      labels.schedule(new DigitLabel("img-" + i, i));
    }
    assertThat(labels.pending()).isEqualTo(5);

    labels.awaitAll(() -> false, () -> {});

    assertThat(order).containsExactly("img-0", "img-1", "img-2", "img-3", "img-4");
    assertThat(sentAt.values())
        .allSatisfy(
            t ->
                assertThat(t - scheduledAt)
                    .isGreaterThanOrEqualTo(Duration.ofMillis(300).toNanos()));
    assertThat(labels.pending()).isZero();
    assertThat(labels.shutdown()).isEmpty();
  }

  @Test
  void sendsWaitingLabelsAtOnceWhenHurried() throws Exception {
    List<DigitLabel> sent = new CopyOnWriteArrayList<>();
    DelayedLabels labels = new DelayedLabels(Duration.ofMinutes(10), sent::add);
    labels.schedule(new DigitLabel("a", 1));
    labels.schedule(new DigitLabel("b", 2));

    long start = System.nanoTime();
    labels.awaitAll(() -> true, () -> {});

    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    assertThat(sent).containsExactly(new DigitLabel("a", 1), new DigitLabel("b", 2));
    assertThat(labels.shutdown()).isEmpty();
  }

  @Test
  void shutdownReturnsTheLabelsItNeverSentSoTheyCanBeReported() {
    List<DigitLabel> sent = new CopyOnWriteArrayList<>();
    DelayedLabels labels = new DelayedLabels(Duration.ofMinutes(10), sent::add);
    labels.schedule(new DigitLabel("late", 4));

    assertThat(labels.shutdown()).containsExactly(new DigitLabel("late", 4));
    assertThat(sent).isEmpty();
    assertThat(labels.pending()).isZero();
  }

  @Test
  void imagesAreNotHeldUpWhileLabelsWait() {
    List<DigitLabel> sent = new CopyOnWriteArrayList<>();
    DelayedLabels labels = new DelayedLabels(Duration.ofMillis(200), sent::add);
    long start = System.nanoTime();
    for (int i = 0; i < 1000; i++) {
      labels.schedule(new DigitLabel("img-" + i, i % 10));
    }
    // Scheduling returns at once; the sends happen later on the worker.
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(150));
    await().atMost(Duration.ofSeconds(10)).until(() -> sent.size() == 1000);
    labels.shutdown();
  }
}
