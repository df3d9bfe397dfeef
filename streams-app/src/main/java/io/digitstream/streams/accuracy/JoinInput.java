package io.digitstream.streams.accuracy;

import io.digitstream.record.DigitLabel;
import io.digitstream.record.Prediction;

/**
 * What reaches the label join: a prediction straight from the scorer or a label from the labels
 * topic. One type for both lets the two streams merge into one processor that sees them in order.
 */
public sealed interface JoinInput {
  /** A prediction made by the scorer. */
  record Scored(Prediction prediction) implements JoinInput {}

  /** A label read from the labels topic. */
  record Labelled(DigitLabel label) implements JoinInput {}
}
