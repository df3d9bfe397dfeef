package io.digitstream.producer;

import io.digitstream.producer.source.BadInput;
import io.digitstream.producer.source.InternalFailure;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Shows a run's progress on stderr: a bar redrawn in place on a terminal, or a plain line every 10
 * % (and at least every 30 s) when the output goes to a file or a pipe. Skipped inputs and notices
 * are printed on their own lines in every mode.
 */
final class ConsoleProgress implements PublishListener {
  /** How progress is shown. */
  enum Mode {
    AUTO,
    BAR,
    LINES,
    NONE
  }

  private static final int BAR_WIDTH = 24;
  private static final long REDRAW_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
  private static final long LINE_EVERY_NANOS = TimeUnit.SECONDS.toNanos(30);

  private final PrintWriter err;
  private final Mode mode;
  private final boolean verbose;
  private long lastDrawNanos;
  private int lastWidth;
  private int lastDecile;
  private long lastLineNanos = System.nanoTime();

  ConsoleProgress(PrintWriter err, Mode mode) {
    this(err, mode, false);
  }

  /** With {@code verbose}, an internal failure's stack trace follows its line. */
  ConsoleProgress(PrintWriter err, Mode mode, boolean verbose) {
    this.err = err;
    this.mode = mode == Mode.AUTO ? detect() : mode;
    this.verbose = verbose;
  }

  /** A bar only where a person watches: a console, and a terminal that can redraw a line. */
  private static Mode detect() {
    return System.console() != null && !"dumb".equals(System.getenv("TERM"))
        ? Mode.BAR
        : Mode.LINES;
  }

  Mode mode() {
    return mode;
  }

  @Override
  public void progress(Progress p) {
    long now = System.nanoTime();
    switch (mode) {
      case BAR -> {
        if (p.finished() || now - lastDrawNanos >= REDRAW_NANOS) {
          lastDrawNanos = now;
          draw(bar(p) + " " + figures(p));
          if (p.finished()) {
            endBar();
          }
        }
      }
      case LINES -> {
        int decile = (int) Math.floor(p.fraction() * 10);
        if (p.finished() || decile > lastDecile || now - lastLineNanos >= LINE_EVERY_NANOS) {
          lastDecile = decile;
          lastLineNanos = now;
          err.println(figures(p));
          err.flush();
        }
      }
      default -> {}
    }
  }

  @Override
  public void badInput(BadInput input) {
    line("skipped " + input.input() + ": " + input.reason());
  }

  @Override
  public void internalFailure(InternalFailure failure) {
    line(
        "internal error on "
            + failure.input()
            + ": "
            + failure.reason()
            + (verbose ? "" : " (a bug in digitstream; --verbose shows where)"));
    if (verbose && failure.cause() != null) {
      failure.cause().printStackTrace(err);
      err.flush();
    }
  }

  @Override
  public void notice(String message) {
    line(message);
  }

  /** Prints a line of its own, keeping it clear of the bar. */
  void line(String text) {
    if (mode == Mode.BAR && lastWidth > 0) {
      err.print("\r" + " ".repeat(lastWidth) + "\r");
      lastWidth = 0;
    }
    err.println(text);
    err.flush();
  }

  private void draw(String text) {
    int pad = Math.max(0, lastWidth - text.length());
    err.print("\r" + text + " ".repeat(pad));
    err.flush();
    lastWidth = text.length();
  }

  private void endBar() {
    if (lastWidth > 0) {
      err.println();
      err.flush();
      lastWidth = 0;
    }
  }

  private static String bar(Progress p) {
    int filled = (int) Math.round(p.fraction() * BAR_WIDTH);
    return "[" + "#".repeat(filled) + " ".repeat(BAR_WIDTH - filled) + "]";
  }

  static String figures(Progress p) {
    StringBuilder s = new StringBuilder();
    s.append(String.format(Locale.ROOT, "%,d/%,d", p.processed(), p.total()));
    s.append(String.format(Locale.ROOT, "  %.0f img/s", p.imagesPerSecond()));
    s.append(String.format(Locale.ROOT, "  sent %,d", p.imagesSent()));
    if (p.labelsSent() > 0 || p.labelsWaiting() > 0) {
      s.append(String.format(Locale.ROOT, "  labels %,d", p.labelsSent()));
      if (p.labelsWaiting() > 0) {
        s.append(String.format(Locale.ROOT, " (%,d waiting)", p.labelsWaiting()));
      }
    }
    if (p.failed() > 0) {
      s.append(String.format(Locale.ROOT, "  FAILED %,d", p.failed()));
    }
    if (p.badInputs() > 0) {
      s.append(String.format(Locale.ROOT, "  bad %,d", p.badInputs()));
    }
    if (p.internalErrors() > 0) {
      s.append(String.format(Locale.ROOT, "  INTERNAL ERRORS %,d", p.internalErrors()));
    }
    long left = p.total() - p.processed();
    double inputsPerSecond = p.elapsedSeconds() > 0 ? p.processed() / p.elapsedSeconds() : 0;
    if (!p.finished() && left > 0 && inputsPerSecond > 0) {
      s.append(String.format(Locale.ROOT, "  ETA %s", eta(left / inputsPerSecond)));
    }
    return s.toString();
  }

  private static String eta(double seconds) {
    long s = Math.round(seconds);
    return s < 60
        ? s + "s"
        : s < 3600
            ? String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60)
            : String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
  }
}
