package io.digitstream.trainer;

import io.digitstream.image.FileFailure;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code predict} and {@code explain} say about the files they could not answer: one line each
 * on stderr, naming the file and the reason, the stack trace too with {@code --verbose}. The other
 * files go on; the exit code says whether any failed.
 */
final class FileFailures {
  private final PrintStream err;
  private final boolean verbose;
  private final List<FileFailure> failures = new ArrayList<>();

  FileFailures(PrintStream err, boolean verbose) {
    this.err = err;
    this.verbose = verbose;
  }

  /** Reports what was thrown while handling {@code file} and returns how it was sorted. */
  FileFailure report(Path file, Throwable thrown) {
    FileFailure failure = FileFailure.of(file, thrown);
    failures.add(failure);
    if (failure.internal() && !verbose) {
      err.println(failure.line() + " (a bug in digitstream; --verbose shows where)");
    } else {
      err.println(failure.line());
    }
    if (verbose) {
      thrown.printStackTrace(err);
    }
    return failure;
  }

  int count() {
    return failures.size();
  }

  /** A closing line when something failed, so a long run's failures are not missed. */
  void summarise(int answered) {
    if (!failures.isEmpty()) {
      int files = answered + failures.size();
      long internal = failures.stream().filter(FileFailure::internal).count();
      err.printf(
          "%d of %d file%s not answered%s%n",
          failures.size(),
          files,
          files == 1 ? "" : "s",
          internal == 0 ? "" : " (" + internal + " internal error" + (internal == 1 ? ")" : "s)"));
    }
  }

  /** 0 when every file was answered, 1 otherwise. */
  int exitCode() {
    return failures.isEmpty() ? 0 : 1;
  }
}
