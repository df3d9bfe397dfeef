package io.digitstream.image;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PixelsTest {
  @Test
  void scalesEveryGreyLevelToExactlyItsValueOver255() {
    byte[] src = new byte[256];
    for (int v = 0; v < 256; v++) {
      src[v] = (byte) v;
    }
    float[] dst = new float[256];
    Pixels.normalise(src, dst, 0);
    for (int v = 0; v < 256; v++) {
      // Bit for bit the division the trainer's first models were trained with.
      assertThat(Float.floatToIntBits(dst[v]))
          .as("grey %d", v)
          .isEqualTo(Float.floatToIntBits(v / 255f));
    }
    assertThat(dst[0]).isZero();
    assertThat(dst[255]).isEqualTo(1f);
  }

  @Test
  void readsBytesAsUnsignedSoInkIsNeverNegative() {
    float[] dst = new float[2];
    Pixels.normalise(new byte[] {(byte) 0xFF, (byte) 0x80}, dst, 0);
    assertThat(dst).containsExactly(1f, 128 / 255f);
  }

  @Test
  void writesFromTheOffsetAndLeavesTheRestOfTheTargetAlone() {
    float[] dst = {-1f, -1f, -1f, -1f};
    Pixels.normalise(new byte[] {0, (byte) 255}, dst, 1);
    assertThat(dst).containsExactly(-1f, 0f, 1f, -1f);
  }
}
