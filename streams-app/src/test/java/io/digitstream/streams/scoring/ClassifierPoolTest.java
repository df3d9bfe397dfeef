package io.digitstream.streams.scoring;

import static org.assertj.core.api.Assertions.assertThat;

import io.digitstream.model.DigitClassifier;
import io.digitstream.streams.Fixtures;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class ClassifierPoolTest {
  @Test
  void givesEachThreadItsOwnNetwork() throws Exception {
    ClassifierPool pool = ClassifierPool.of(Fixtures.reference().copy(), 1);

    DigitClassifier mine = pool.forCurrentThread();
    DigitClassifier other = CompletableFuture.supplyAsync(pool::forCurrentThread).get();

    assertThat(pool.forCurrentThread()).isSameAs(mine);
    assertThat(other).isNotSameAs(mine);
    assertThat(other.network()).isNotSameAs(mine.network());
    assertThat(mine.version()).isEqualTo(Fixtures.bundle().version());
  }

  @Test
  void switchesEveryThreadToAReplacedModelAtItsNextRequest() {
    ClassifierPool pool = ClassifierPool.of(Fixtures.reference().copy(), 1);
    DigitClassifier before = pool.forCurrentThread();

    pool.replace(new DigitClassifier(before.network().clone(), "next-version"));

    assertThat(pool.version()).isEqualTo("next-version");
    DigitClassifier after = pool.forCurrentThread();
    assertThat(after.version()).isEqualTo("next-version");
    assertThat(after.network()).isNotSameAs(before.network());
  }
}
