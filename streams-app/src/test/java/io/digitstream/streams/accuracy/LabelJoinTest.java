package io.digitstream.streams.accuracy;

import static org.assertj.core.api.Assertions.assertThat;

import io.digitstream.record.Prediction;
import io.digitstream.streams.metrics.AppMetrics;
import io.digitstream.streams.metrics.AppMetrics.PredictionOutcome;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The join on its own, started on stores that already hold rounds, as after a restore. */
class LabelJoinTest {
  private static final long T0 = 1_795_305_600_000L;

  @TempDir Path stateDir;
  private final AccuracySettings settings = AccuracySettings.defaults();
  private final AppMetrics metrics = new AppMetrics();
  private MockProcessorContext<String, LabelledPrediction> context;
  private KeyValueStore<String, JoinRound> rounds;
  private KeyValueStore<Bytes, byte[]> deadlines;

  @BeforeEach
  void setUp() {
    Properties config = new Properties();
    config.setProperty("application.id", "label-join-test");
    config.setProperty("bootstrap.servers", "unused:9092");
    context = new MockProcessorContext<>(config, new TaskId(0, 0), stateDir.toFile());
    context.setCurrentSystemTimeMs(0);
    rounds = LabelJoin.roundsStore().withLoggingDisabled().withCachingDisabled().build();
    rounds.init(context.getStateStoreContext(), rounds);
    context.addStateStore(rounds);
    deadlines = LabelJoin.deadlinesStore().withCachingDisabled().build();
    deadlines.init(context.getStateStoreContext(), deadlines);
    context.addStateStore(deadlines);
  }

  @AfterEach
  void close() {
    rounds.close();
    deadlines.close();
    metrics.close();
  }

  @Test
  void rebuildsItsDeadlineIndexFromTheRestoredRounds() {
    // A round restored from the changelog; its index entry, which has no changelog, is gone.
    JoinRound waiting = JoinRound.open(T0);
    waiting.addPrediction("v1", 3, T0, 990_000);
    rounds.put("img-1", waiting);

    Processor<String, JoinInput, String, LabelledPrediction> join =
        LabelJoin.supplier(settings, metrics).get();
    join.init(context);
    assertThat(deadlines.get(LabelJoin.deadlineKey(T0 + settings.openMillis(), "img-1")))
        .isNotNull();

    // Once no label can come in time any more, the restored prediction is given up on.
    context.setCurrentSystemTimeMs(settings.idle().toMillis() + 1);
    long later = T0 + settings.openMillis() + 1;
    join.process(new Record<>("tick", new JoinInput.Scored(prediction("tick", later)), later));

    assertThat(metrics.predictions(PredictionOutcome.UNLABELLED)).isEqualTo(1);
    assertThat(rounds.get("img-1").closed()).isTrue();
  }

  private static Prediction prediction(String id, long imageTime) {
    List<Double> p = new ArrayList<>(Collections.nCopies(10, 0.0));
    p.set(0, 1.0);
    return new Prediction(id, 0, 1.0, p, "v1", imageTime, imageTime);
  }
}
