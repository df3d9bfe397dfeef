package io.digitstream.streams.reliability;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.AppenderBase;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.LoggerFactory;

/**
 * Everything this JVM logs (at INFO and above, including Kafka's client configuration dumps) and
 * prints on System.out and System.err while open, so a test can check what a user would see.
 */
final class CapturedOutput implements AutoCloseable {
  private static final List<String> RAISED_TO_INFO =
      List.of("org.apache.kafka", "kafka", "io.digitstream");

  private final StringBuffer text = new StringBuffer();
  private final Appender appender = new Appender();
  private final Map<String, Level> previousLevels = new HashMap<>();
  private final PrintStream originalOut = System.out;
  private final PrintStream originalErr = System.err;

  CapturedOutput() {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    for (String name : RAISED_TO_INFO) {
      Logger logger = context.getLogger(name);
      previousLevels.put(name, logger.getLevel());
      logger.setLevel(Level.INFO);
    }
    appender.setContext(context);
    appender.start();
    context.getLogger(Logger.ROOT_LOGGER_NAME).addAppender(appender);
    System.setOut(new PrintStream(new Tee(originalOut), true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(new Tee(originalErr), true, StandardCharsets.UTF_8));
  }

  /** What was captured so far. */
  String text() {
    return text.toString();
  }

  @Override
  public void close() {
    System.setOut(originalOut);
    System.setErr(originalErr);
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    context.getLogger(Logger.ROOT_LOGGER_NAME).detachAppender(appender);
    appender.stop();
    previousLevels.forEach((name, level) -> context.getLogger(name).setLevel(level));
  }

  private final class Appender extends AppenderBase<ILoggingEvent> {
    @Override
    protected void append(ILoggingEvent event) {
      text.append(event.getLevel())
          .append(' ')
          .append(event.getLoggerName())
          .append(" - ")
          .append(event.getFormattedMessage())
          .append('\n');
      if (event.getThrowableProxy() != null) {
        text.append(ThrowableProxyUtil.asString(event.getThrowableProxy())).append('\n');
      }
    }
  }

  /** Passes bytes on to the original stream and keeps a copy. */
  private final class Tee extends OutputStream {
    private final PrintStream original;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

    Tee(PrintStream original) {
      this.original = original;
    }

    @Override
    public synchronized void write(int b) {
      original.write(b);
      line.write(b);
      if (b == '\n') {
        flush();
      }
    }

    @Override
    public synchronized void flush() {
      text.append(line.toString(StandardCharsets.UTF_8));
      line.reset();
      original.flush();
    }
  }
}
