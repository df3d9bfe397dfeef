package io.digitstream.streams.scoring;

import io.digitstream.image.InputStats;
import io.digitstream.model.MonitoringReference;
import io.digitstream.record.Prediction;

/**
 * What the scorer hands on for one image and one model version: the prediction, and for the
 * monitoring counts the image's figures and the version's reference. Never serialised: it lives
 * between two processors of one task.
 *
 * @param prediction the prediction, as published
 * @param stats the image's figures, or null if the model has no reference
 * @param reference the model version's monitoring reference, or null if it has none
 */
public record ScoredImage(Prediction prediction, InputStats stats, MonitoringReference reference) {}
