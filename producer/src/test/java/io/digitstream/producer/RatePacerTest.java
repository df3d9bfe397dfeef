package io.digitstream.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class RatePacerTest {
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

  /** A clock that only moves when the pacer waits (plus whatever a test adds). */
  private static final class FakeTime {
    long now = 1_000_000 * MS;
    double oversleep;
    final List<Long> sends = new ArrayList<>();

    RatePacer pacer(double rate) {
      return new RatePacer(
          rate,
          () -> now,
          nanos -> {
            now += Math.round(nanos * (1 + oversleep));
            return true;
          });
    }

    void send(RatePacer pacer) throws InterruptedException {
      assertThat(pacer.awaitNext()).isTrue();
      sends.add(now);
    }
  }

  @Test
  void spacesSendsExactlyOnePeriodApart() throws Exception {
    FakeTime time = new FakeTime();
    RatePacer pacer = time.pacer(100);
    for (int i = 0; i < 5; i++) {
      time.send(pacer);
    }
    long start = time.sends.get(0);
    assertThat(time.sends)
        .containsExactly(start, start + 10 * MS, start + 20 * MS, start + 30 * MS, start + 40 * MS);
  }

  @Test
  void oversleepingDoesNotAddUpBecauseEachSendHasADeadlineFromTheStart() throws Exception {
    FakeTime time = new FakeTime();
    time.oversleep = 0.3;
    RatePacer pacer = time.pacer(200);
    for (int i = 0; i <= 1000; i++) {
      time.send(pacer);
    }
    long elapsed = time.sends.get(1000) - time.sends.get(0);
    // 1000 periods of 5 ms; each wait overshoots, but never by more than one (shortened) wait.
    assertThat(elapsed).isBetween(5000 * MS, 5000 * MS + 2 * MS);
  }

  @Test
  void catchesUpAfterASlowSendAtTwiceTheRateAtMost() throws Exception {
    FakeTime time = new FakeTime();
    RatePacer pacer = time.pacer(100);
    time.send(pacer);
    time.now += 100 * MS; // the first send took 100 ms: ten periods behind
    for (int i = 0; i < 30; i++) {
      time.send(pacer);
    }
    long start = time.sends.get(0);
    for (int i = 2; i < time.sends.size(); i++) {
      assertThat(time.sends.get(i) - time.sends.get(i - 1)).isGreaterThanOrEqualTo(5 * MS);
    }
    // Back on the original schedule: the 31st send is due 300 ms after the first.
    assertThat(time.sends.get(30)).isEqualTo(start + 300 * MS);
    assertThat(pacer.restarts()).isZero();
  }

  @Test
  void dropsTheBacklogAfterAStallOfMoreThanOneSecond() throws Exception {
    FakeTime time = new FakeTime();
    RatePacer pacer = time.pacer(100);
    time.send(pacer);
    time.send(pacer);
    time.now += 3000 * MS;
    time.send(pacer);
    long resumed = time.sends.get(2);
    time.send(pacer);
    time.send(pacer);

    assertThat(pacer.restarts()).isEqualTo(1);
    assertThat(time.sends.subList(3, 5)).containsExactly(resumed + 10 * MS, resumed + 20 * MS);
  }

  @Test
  void zeroRateNeverWaits() throws Exception {
    RatePacer pacer =
        new RatePacer(
            0,
            System::nanoTime,
            nanos -> {
              throw new AssertionError("waited");
            });
    for (int i = 0; i < 100; i++) {
      assertThat(pacer.awaitNext()).isTrue();
    }
  }

  @Test
  void stopsWhenTheWaiterSaysSo() throws Exception {
    long[] now = {0};
    RatePacer pacer = new RatePacer(10, () -> now[0], nanos -> false);
    assertThat(pacer.awaitNext()).isTrue();
    assertThat(pacer.awaitNext()).isFalse();
  }

  @Test
  void refusesANegativeRate() {
    assertThatThrownBy(() -> new RatePacer(-1, System::nanoTime, n -> true))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new RatePacer(Double.NaN, System::nanoTime, n -> true))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
