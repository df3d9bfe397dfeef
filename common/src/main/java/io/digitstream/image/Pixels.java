package io.digitstream.image;

/**
 * The one conversion of MNIST-style pixel bytes (0 = background, 255 = ink, read as unsigned) into
 * a network's input (0 to 1). Training, evaluation, the trainer's tools and the streams app all
 * call it, so a model sees the same floats for the same image wherever it runs: the streamed
 * confusion matrix can only equal {@code evaluate}'s if they do.
 */
public final class Pixels {
  private static final float[] SCALED = new float[256];

  static {
    // A lookup table, one pass over the bytes; every entry is exactly v / 255f.
    for (int v = 0; v < SCALED.length; v++) {
      SCALED[v] = v / 255f;
    }
  }

  private Pixels() {}

  /** Writes every byte of {@code src} scaled to 0–1 into {@code dst} from {@code offset} on. */
  public static void normalise(byte[] src, float[] dst, int offset) {
    for (int i = 0; i < src.length; i++) {
      dst[offset + i] = SCALED[src[i] & 0xFF];
    }
  }
}
