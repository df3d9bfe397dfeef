package io.digitstream.broker;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import org.slf4j.LoggerFactory;

/**
 * Turns Kafka's logging down to warnings when nobody configured logging, because logback's fallback
 * logs everything at DEBUG and a broker writes thousands of such lines while starting.
 */
final class QuietKafkaLogging {

  private QuietKafkaLogging() {}

  static void applyUnlessConfigured() {
    boolean configured =
        System.getProperty("logback.configurationFile") != null
            || ClassLoader.getSystemResource("logback-test.xml") != null
            || ClassLoader.getSystemResource("logback.xml") != null;
    if (configured || !(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return;
    }
    context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).setLevel(Level.INFO);
    for (String kafkaLogger : new String[] {"kafka", "org.apache.kafka", "state.change.logger"}) {
      context.getLogger(kafkaLogger).setLevel(Level.WARN);
    }
  }
}
