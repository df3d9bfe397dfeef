package io.digitstream.streams.monitor;

import io.digitstream.config.ConfigException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Thresholds of the drift scores and of the alerts (docs/accuracy.md, Monitoring). Each drift score
 * is a population stability index (PSI): 0.1 is commonly read as a moderate shift, 0.25 as a major
 * one.
 *
 * @param digitMixThreshold PSI of the predicted-digit mix against the training labels' mix
 * @param inputThreshold PSI of any input feature against the training images
 * @param confidenceThreshold PSI of the calibrated top probability against the validation split
 * @param errorSlack the change detector's allowance above the expected error rate, per pair
 * @param errorThreshold the change detector fires at this many errors beyond expected plus slack
 * @param minImages predictions a window needs before its drift, estimated accuracy and
 *     out-of-distribution share are judged
 * @param minPairs pairs a window needs before its measured accuracy is judged
 * @param accuracyDrop how far below the model's validation accuracy the estimated or measured
 *     accuracy of a window must fall to alert
 * @param oodFraction share of out-of-distribution inputs in a window that alerts
 * @param deadLetters dead letters per tumbling window that alert
 * @param clearRatio an alert resolves once its figure is back within this fraction of the threshold
 */
public record MonitorSettings(
    double digitMixThreshold,
    double inputThreshold,
    double confidenceThreshold,
    double errorSlack,
    double errorThreshold,
    long minImages,
    long minPairs,
    double accuracyDrop,
    double oodFraction,
    long deadLetters,
    double clearRatio) {
  public static final String DIGIT_MIX = "digitstream.drift.digit.mix.threshold";
  public static final String INPUT = "digitstream.drift.input.threshold";
  public static final String CONFIDENCE = "digitstream.drift.confidence.threshold";
  public static final String ERROR_SLACK = "digitstream.drift.error.slack";
  public static final String ERROR_THRESHOLD = "digitstream.drift.error.threshold";
  public static final String MIN_IMAGES = "digitstream.alerts.min.images";
  public static final String MIN_PAIRS = "digitstream.alerts.min.pairs";
  public static final String ACCURACY_DROP = "digitstream.alerts.accuracy.drop";
  public static final String OOD_FRACTION = "digitstream.alerts.ood.fraction";
  public static final String DEAD_LETTERS = "digitstream.alerts.dead.letters";
  public static final String CLEAR_RATIO = "digitstream.alerts.clear.ratio";

  /** Every key, for the settings' list of known names. */
  public static final List<String> KEYS =
      List.of(
          DIGIT_MIX,
          INPUT,
          CONFIDENCE,
          ERROR_SLACK,
          ERROR_THRESHOLD,
          MIN_IMAGES,
          MIN_PAIRS,
          ACCURACY_DROP,
          OOD_FRACTION,
          DEAD_LETTERS,
          CLEAR_RATIO);

  public MonitorSettings {
    if (!(clearRatio > 0 && clearRatio <= 1)) {
      throw ConfigException.invalid(CLEAR_RATIO, clearRatio, "a number in (0, 1]");
    }
  }

  public static MonitorSettings defaults() {
    return new MonitorSettings(0.25, 0.25, 0.25, 0.02, 25, 500, 200, 0.03, 0.02, 20, 0.8);
  }

  /** The defaults as settings. */
  public static Map<String, String> defaultValues() {
    MonitorSettings d = defaults();
    Map<String, String> m = new LinkedHashMap<>();
    m.put(DIGIT_MIX, String.valueOf(d.digitMixThreshold));
    m.put(INPUT, String.valueOf(d.inputThreshold));
    m.put(CONFIDENCE, String.valueOf(d.confidenceThreshold));
    m.put(ERROR_SLACK, String.valueOf(d.errorSlack));
    m.put(ERROR_THRESHOLD, String.valueOf(d.errorThreshold));
    m.put(MIN_IMAGES, String.valueOf(d.minImages));
    m.put(MIN_PAIRS, String.valueOf(d.minPairs));
    m.put(ACCURACY_DROP, String.valueOf(d.accuracyDrop));
    m.put(OOD_FRACTION, String.valueOf(d.oodFraction));
    m.put(DEAD_LETTERS, String.valueOf(d.deadLetters));
    m.put(CLEAR_RATIO, String.valueOf(d.clearRatio));
    return m;
  }

  /** From merged settings that hold every key (the defaults supply them). */
  public static MonitorSettings from(Properties merged) {
    return new MonitorSettings(
        positive(merged, DIGIT_MIX),
        positive(merged, INPUT),
        positive(merged, CONFIDENCE),
        fraction(merged, ERROR_SLACK),
        positive(merged, ERROR_THRESHOLD),
        count(merged, MIN_IMAGES),
        count(merged, MIN_PAIRS),
        fraction(merged, ACCURACY_DROP),
        fraction(merged, OOD_FRACTION),
        count(merged, DEAD_LETTERS),
        number(merged, CLEAR_RATIO));
  }

  private static double number(Properties p, String key) {
    String raw = p.getProperty(key, defaultValues().get(key)).trim();
    try {
      double v = Double.parseDouble(raw);
      if (!Double.isFinite(v)) {
        throw ConfigException.invalid(key, raw, "a finite number");
      }
      return v;
    } catch (NumberFormatException e) {
      throw ConfigException.invalid(key, raw, "a number");
    }
  }

  private static double positive(Properties p, String key) {
    double v = number(p, key);
    if (!(v > 0)) {
      throw ConfigException.invalid(key, v, "a number above 0");
    }
    return v;
  }

  private static double fraction(Properties p, String key) {
    double v = number(p, key);
    if (!(v >= 0 && v <= 1)) {
      throw ConfigException.invalid(key, v, "a number in [0, 1]");
    }
    return v;
  }

  private static long count(Properties p, String key) {
    double v = number(p, key);
    if (v < 1 || v != Math.rint(v)) {
      throw ConfigException.invalid(key, v, "a whole number of at least 1");
    }
    return (long) v;
  }
}
