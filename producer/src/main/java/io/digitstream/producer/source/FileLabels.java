package io.digitstream.producer.source;

import io.digitstream.config.ConfigException;
import java.nio.file.Path;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * How the true digit of an image file is known: from its parent directory ({@code 7/abc.png}), from
 * a pattern over its file name, or not at all.
 */
public abstract sealed class FileLabels {

  private FileLabels() {}

  /** No file has a label. */
  public static FileLabels none() {
    return None.INSTANCE;
  }

  /**
   * The parent directory's name when it is a single digit 0–9 ({@code 7/abc.png} is a 7); files in
   * other directories have no label.
   */
  public static FileLabels parentDirectory() {
    return ParentDirectory.INSTANCE;
  }

  /**
   * A regular expression searched in each file name; its group named {@code label}, or else its
   * first group, must capture one digit. Files whose names do not match have no label.
   *
   * @throws ConfigException if the expression is invalid or has no group
   */
  public static FileLabels pattern(String regex) {
    Pattern pattern;
    try {
      pattern = Pattern.compile(regex);
    } catch (PatternSyntaxException e) {
      throw ConfigException.invalid(
          "--label-pattern", regex, "a Java regular expression (" + e.getDescription() + ")");
    }
    if (pattern.matcher("").groupCount() < 1) {
      throw ConfigException.invalid(
          "--label-pattern",
          regex,
          "a regular expression with a group that captures the digit, e.g. '^(\\d)_' or"
              + " '-(?<label>\\d)\\.png$'");
    }
    return new FromPattern(pattern);
  }

  /**
   * The label of {@code file}, empty when this rule gives none.
   *
   * @throws IllegalArgumentException when the rule finds something that is not a digit; the message
   *     is the reason to report
   */
  public abstract OptionalInt labelOf(Path file);

  private static final class None extends FileLabels {
    static final None INSTANCE = new None();

    @Override
    public OptionalInt labelOf(Path file) {
      return OptionalInt.empty();
    }

    @Override
    public String toString() {
      return "none";
    }
  }

  private static final class ParentDirectory extends FileLabels {
    static final ParentDirectory INSTANCE = new ParentDirectory();

    @Override
    public OptionalInt labelOf(Path file) {
      Path parent = file.toAbsolutePath().normalize().getParent();
      Path dirName = parent == null ? null : parent.getFileName();
      return dirName == null ? OptionalInt.empty() : digit(dirName.toString());
    }

    @Override
    public String toString() {
      return "parent directory";
    }
  }

  private static final class FromPattern extends FileLabels {
    private final Pattern pattern;
    private final boolean named;

    FromPattern(Pattern pattern) {
      this.pattern = pattern;
      this.named = pattern.pattern().contains("(?<label>");
    }

    @Override
    public OptionalInt labelOf(Path file) {
      Matcher m = pattern.matcher(file.getFileName().toString());
      if (!m.find()) {
        return OptionalInt.empty();
      }
      String captured = named ? m.group("label") : m.group(1);
      OptionalInt label = captured == null ? OptionalInt.empty() : digit(captured);
      if (label.isEmpty()) {
        throw new IllegalArgumentException(
            "label pattern '"
                + pattern.pattern()
                + "' captured '"
                + (captured == null ? "" : captured)
                + "' from the file name, expected one digit 0-9");
      }
      return label;
    }

    @Override
    public String toString() {
      return "pattern " + pattern.pattern();
    }
  }

  private static OptionalInt digit(String text) {
    return text.length() == 1 && text.charAt(0) >= '0' && text.charAt(0) <= '9'
        ? OptionalInt.of(text.charAt(0) - '0')
        : OptionalInt.empty();
  }
}
