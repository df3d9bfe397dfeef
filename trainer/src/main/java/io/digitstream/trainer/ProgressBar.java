package io.digitstream.trainer;

import java.io.PrintStream;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;

/**
 * Training progress: a bar redrawn in place on a terminal, a plain line every 10 % otherwise; shows
 * the epoch, running loss, images per second and the time left in the epoch.
 */
final class ProgressBar extends BaseTrainingListener {
  private final PrintStream out;
  private final int examplesPerEpoch;
  private final int batchSize;
  private final int epochs;
  private final boolean terminal;
  private long epochStart;
  private int seen;
  private double lossSum;
  private int lossCount;
  private int lastDecile = -1;
  private int currentEpoch = -1;

  ProgressBar(PrintStream out, int examplesPerEpoch, int batchSize, int epochs, boolean terminal) {
    this.out = out;
    this.examplesPerEpoch = examplesPerEpoch;
    this.batchSize = batchSize;
    this.epochs = epochs;
    this.terminal = terminal;
  }

  /** Mean training loss of the epoch so far. */
  double meanLoss() {
    return lossCount == 0 ? Double.NaN : lossSum / lossCount;
  }

  double epochSeconds() {
    return (System.nanoTime() - epochStart) / 1e9;
  }

  void startEpoch(int epoch) {
    currentEpoch = epoch;
    epochStart = System.nanoTime();
    seen = 0;
    lossSum = 0;
    lossCount = 0;
    lastDecile = -1;
  }

  @Override
  public void iterationDone(Model model, int iteration, int epoch) {
    seen = Math.min(examplesPerEpoch, seen + batchSize);
    lossSum += model.score();
    lossCount++;
    double seconds = epochSeconds();
    double rate = seen / Math.max(seconds, 1e-9);
    double eta = (examplesPerEpoch - seen) / Math.max(rate, 1e-9);
    double fraction = (double) seen / examplesPerEpoch;
    String figures =
        String.format(
            "epoch %d/%d %6d/%d loss %.4f %5.0f img/s ETA %3.0fs",
            currentEpoch + 1, epochs, seen, examplesPerEpoch, meanLoss(), rate, eta);
    if (terminal) {
      int filled = (int) Math.round(fraction * 30);
      out.print("\r[" + "#".repeat(filled) + " ".repeat(30 - filled) + "] " + figures);
      if (seen >= examplesPerEpoch) {
        out.println();
      }
      out.flush();
    } else {
      int decile = (int) (fraction * 10);
      if (decile != lastDecile && (decile > 0 || seen >= examplesPerEpoch)) {
        lastDecile = decile;
        out.println(figures);
      }
    }
  }
}
