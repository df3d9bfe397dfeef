package io.digitstream.streams.accuracy;

import io.digitstream.topic.TopicNames;
import io.digitstream.topic.Topics;

/**
 * The accuracy topic with its serdes, next to the registry's other topics: its name comes from
 * {@link TopicNames#accuracy()} ({@code digitstream.topic.accuracy}, default {@code
 * digits.accuracy}); keys are {@link AccuracyWindow#key()}, values {@link AccuracyWindow} JSON. It
 * lives here rather than in {@link Topics} until the record type moves to the common module.
 */
public final class AccuracyTopics {
  private AccuracyTopics() {}

  public static Topics.Topic<AccuracyWindow> accuracy(TopicNames names) {
    return new Topics.Topic<>(names.accuracy(), AccuracyWindows.serde());
  }
}
