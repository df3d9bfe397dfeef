package io.digitstream.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import io.digitstream.image.MnistPreprocessor;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The committed sample pictures are what the default model was checked on: keep their inputs. */
class SamplePicturesTest {
  /** SHA-256 of each sample's 784 preprocessed bytes, pinned before the resampler's bounds fix. */
  private static final Map<String, String> PINNED =
      Map.of(
          "0-mnist-test-00003.png",
          "272bb06fb89d44c116620ee296c3bece2154d72f86c109edab365427f5363852",
          "1-mnist-test-00002.jpg",
          "53ad7bf755482f346f6ba268db32c7e97009c907f1deb63e7bf0ec1cb30a6d55",
          "2-mnist-test-00001.png",
          "9aaa5ae53bab4cc8a44e907f513345d949f4f30016aab701d97436fd3f8f203d",
          "3-mnist-test-00018.jpg",
          "0ba3c8234b8b3f51290ecd08a7fdfd34999d1878f1e6c4d1a11d93f3dc66f65f",
          "4-mnist-test-00004.png",
          "524ba6036f377b2136eee71d9d1925ec001654e598223b1dcdab47f262e1edbc",
          "5-mnist-test-00008.jpg",
          "7b003ea2097e30c2566f1ce99f67fb69ca4306357914b8b807814893afb88741",
          "6-mnist-test-00011.png",
          "0c2e6d74a053816dac300c72b4e5d6335c4367c718edba3af01e2e044b428355",
          "7-mnist-test-00000.jpg",
          "b7804525ec935b9b9737934ec2529ff12234d07fba644acc07b8812b2fd14b58",
          "8-mnist-test-00061.png",
          "4f817e14d587e80fd741c8e4bd7c65acf5106f54a61f994ef15c96f0b1554fbe",
          "9-mnist-test-00007.jpg",
          "7734328fa79f7eff089d95e23fad6b32a61c84e4ac62d0103738669156a7f04d");

  @Test
  void everySamplePictureStillPreprocessesToTheSameBytes() throws Exception {
    for (Map.Entry<String, String> sample : PINNED.entrySet()) {
      byte[] pixels =
          MnistPreprocessor.fromFile(TrainerCommandsTest.SAMPLES.resolve(sample.getKey()));
      String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(pixels));
      assertThat(sha).as(sample.getKey()).isEqualTo(sample.getValue());
    }
  }
}
