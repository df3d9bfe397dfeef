package io.digitstream.producer.source;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.Objects;

/**
 * An input that digitstream failed on through no fault of the input: a bug (an unexpected exception
 * while preprocessing a decoded image) or running out of memory. It is skipped like a {@link
 * BadInput} but counted apart, so a bug is never passed off as a bad file.
 *
 * @param input the file (as given, resolved under its root) or other input
 * @param reason what was thrown, in one line
 * @param cause what was thrown, for a stack trace on request; not part of the JSON form
 */
public record InternalFailure(String input, String reason, @JsonIgnore Throwable cause)
    implements SourceItem {
  public InternalFailure {
    Objects.requireNonNull(input, "input");
    Objects.requireNonNull(reason, "reason");
  }

  @Override
  public String toString() {
    return input + ": internal error: " + reason;
  }
}
