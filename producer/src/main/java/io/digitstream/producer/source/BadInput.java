package io.digitstream.producer.source;

import java.util.Objects;

/**
 * An input that was skipped, with the reason a person can act on.
 *
 * @param input the file (as given, resolved under its root) or other input that failed
 * @param reason why it cannot be used, without the file name repeated
 */
public record BadInput(String input, String reason) implements SourceItem {
  public BadInput {
    Objects.requireNonNull(input, "input");
    Objects.requireNonNull(reason, "reason");
  }

  @Override
  public String toString() {
    return input + ": " + reason;
  }
}
