package io.digitstream.streams.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import io.digitstream.record.Prediction;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.apache.kafka.streams.processor.TaskId;

/**
 * Whatever the stream threads do, in whatever order (predictions, labels, the same image scored
 * twice, tasks closed and reopened), the rings stay within their bounds and say nothing false.
 */
class ImageRingsPropertyTest {
  private static final byte[] PIXELS = new byte[784];

  /** One call of a stream thread. */
  record Step(int what, int task, int image, int digit, int truth, double confidence, boolean ood) {
    Prediction prediction() {
      Double[] p = new Double[10];
      for (int d = 0; d < 10; d++) {
        p[d] = d == digit ? confidence : (1 - confidence) / 9;
      }
      return new Prediction("img-" + image, digit, confidence, List.of(p), "v", image, image + 1)
          .withMonitoring(confidence, ood ? 9.0 : 0.1, ood);
    }
  }

  @Provide
  Arbitrary<List<Step>> steps() {
    Arbitrary<Step> step =
        Combinators.combine(
                Arbitraries.integers().between(0, 9),
                Arbitraries.integers().between(0, 2),
                Arbitraries.integers().between(0, 40),
                Arbitraries.integers().between(0, 9),
                Arbitraries.integers().between(0, 9),
                Arbitraries.doubles().between(0, 1),
                Arbitraries.of(true, false))
            .as(Step::new);
    return step.list().ofMinSize(0).ofMaxSize(400);
  }

  @Property(tries = 300)
  void neverHoldsMoreThanItsBoundsAndNeverShowsAPairedImageAsWaiting(
      @ForAll("steps") List<Step> steps,
      @ForAll @IntRange(min = 1, max = 6) int perRing,
      @ForAll @IntRange(min = 1, max = 12) int recent) {
    ImageRings rings = new ImageRings(new ImageRingSettings(perRing, recent));
    // Images paired since they were last scored, per task: none of them may be shown as waiting.
    Map<Integer, Set<String>> labelled = new HashMap<>();
    for (Step s : steps) {
      TaskId task = new TaskId(0, s.task());
      Prediction p = s.prediction();
      Set<String> done = labelled.computeIfAbsent(s.task(), t -> new HashSet<>());
      if (s.what() == 0) {
        rings.taskClosed(task);
        done.clear();
      } else if (s.what() <= 5) {
        rings.scored(task, p.id(), PIXELS, p);
        done.remove(p.id());
      } else {
        rings.paired(task, p.id(), s.truth(), p);
        done.add(p.id());
      }
      for (int t = 0; t < 3; t++) {
        TaskId id = new TaskId(0, t);
        for (ImageKind kind : ImageKind.values()) {
          assertThat(rings.ring(id, kind)).as(kind + " of " + id).hasSizeLessThanOrEqualTo(perRing);
        }
        assertThat(rings.remembered(id)).isLessThanOrEqualTo(recent);
        Set<String> paired = labelled.getOrDefault(t, Set.of());
        assertThat(rings.ring(id, ImageKind.UNCONFIDENT)).noneMatch(i -> paired.contains(i.id()));
        assertThat(rings.ring(id, ImageKind.OOD))
            .allMatch(i -> Boolean.TRUE.equals(i.outOfDistribution()))
            .noneMatch(i -> paired.contains(i.id()));
        assertThat(rings.ring(id, ImageKind.MISCLASSIFIED))
            .allMatch(i -> i.trueDigit() != null && i.trueDigit() != i.predictedDigit());
      }
      assertThat(rings.local(ImageKind.UNCONFIDENT, 1000)).hasSizeLessThanOrEqualTo(3 * perRing);
    }
  }
}
