package io.digitstream.topic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.digitstream.broker.EmbeddedKafkaBroker;
import io.digitstream.testkit.EmbeddedKafkaExtension;
import io.digitstream.topic.TopicSetupException.Problem;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class TopicProvisionerIntegrationTest {
  private static final Set<TopicRole> ALL = EnumSet.allOf(TopicRole.class);
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  @RegisterExtension static final EmbeddedKafkaExtension kafka = EmbeddedKafkaExtension.create();

  private final EmbeddedKafkaBroker broker = kafka.broker();
  private Admin admin;
  private TopicNames names;

  @BeforeEach
  void openAdmin() {
    admin = newAdmin();
    names = uniqueNames();
  }

  @AfterEach
  void closeAdmin() {
    admin.close(Duration.ofSeconds(5));
  }

  @Test
  void createsEveryMissingTopicByItsRolesSpec() throws Exception {
    List<String> created = provisioner(admin).ensure(names, ALL, TopicPlan.create(3, (short) 1));

    assertThat(created).containsExactlyElementsOf(names.byRole().values());
    Map<String, TopicDescription> topics = describe(names.byRole().values());
    for (TopicRole role : ALL) {
      int expected = role == TopicRole.MODELS ? 1 : 3;
      assertThat(topics.get(names.name(role)).partitions()).as(role.name()).hasSize(expected);
    }
    assertThat(cleanupPolicy(names.models())).isEqualTo("compact");
    assertThat(cleanupPolicy(names.accuracy())).isEqualTo("compact,delete");
    assertThat(cleanupPolicy(names.images())).isEqualTo("delete");
  }

  @Test
  void givesImageKeyedTopicsTheCountOfTheExistingImagesTopic() throws Exception {
    broker.createTopics(Map.of(names.images(), 5));

    provisioner(admin)
        .ensure(
            names,
            List.of(
                TopicRole.IMAGES,
                TopicRole.LABELS,
                TopicRole.PREDICTIONS,
                TopicRole.SHADOW_PREDICTIONS,
                TopicRole.DLQ),
            TopicPlan.create(3, (short) 1));

    Map<String, TopicDescription> topics =
        describe(
            List.of(
                names.labels(),
                names.predictions(),
                names.shadowPredictions(),
                names.deadLetters()));
    assertThat(topics.get(names.labels()).partitions()).hasSize(5);
    assertThat(topics.get(names.predictions()).partitions()).hasSize(5);
    assertThat(topics.get(names.shadowPredictions()).partitions()).hasSize(5);
    assertThat(topics.get(names.deadLetters()).partitions()).hasSize(3);
  }

  @Test
  void refusesImageKeyedTopicsWithDifferentCountsBeforeCreatingAnything() throws Exception {
    broker.createTopics(Map.of(names.images(), 4, names.labels(), 2));

    assertThatThrownBy(() -> provisioner(admin).ensure(names, ALL, TopicPlan.create(4, (short) 1)))
        .isInstanceOf(TopicSetupException.class)
        .hasMessage(
            names.images()
                + " (digitstream.topic.images) has 4 partitions, "
                + names.labels()
                + " (digitstream.topic.labels) has 2 partitions: these topics are keyed by image"
                + " id and must have the same number of partitions, so that an image, its label"
                + " and its prediction meet in one task. Recreate or expand the smaller ones.")
        .satisfies(e -> assertThat(problem(e)).isEqualTo(Problem.NOT_CO_PARTITIONED));
    assertThat(existing()).doesNotContain(names.predictions(), names.models());
  }

  @Test
  void refusesAnImageKeyedTopicThatDoesNotMatchTheImagesTopicStillToBeCreated() throws Exception {
    broker.createTopics(Map.of(names.shadowPredictions(), 1));

    assertThatThrownBy(() -> provisioner(admin).ensure(names, ALL, TopicPlan.create(3, (short) 1)))
        .isInstanceOf(TopicSetupException.class)
        .hasMessageStartingWith(
            names.images()
                + " (digitstream.topic.images) would be created with 3 partitions, "
                + names.shadowPredictions()
                + " (digitstream.shadow.topic) has 1 partitions: these topics are keyed by image"
                + " id");
    assertThat(existing()).doesNotContain(names.images());
  }

  @Test
  void namesEveryMissingTopicAtOnceWhenCreationIsOff() throws Exception {
    broker.createTopics(Map.of(names.predictions(), 1));
    TopicPlan off = new TopicPlan(false, java.util.Optional.of(4), java.util.Optional.empty());

    assertThatThrownBy(() -> provisioner(admin).ensure(names, ALL, off))
        .isInstanceOf(TopicSetupException.class)
        .satisfies(
            e -> {
              TopicSetupException setup = (TopicSetupException) e;
              assertThat(setup.problem()).isEqualTo(Problem.MISSING);
              assertThat(setup.missing().keySet())
                  .containsExactly(
                      names.images(),
                      names.labels(),
                      names.shadowPredictions(),
                      names.deadLetters(),
                      names.accuracy(),
                      names.models(),
                      names.alerts());
              assertThat(setup.describeMissing())
                  .startsWith(
                      names.images()
                          + " (digitstream.topic.images), "
                          + names.labels()
                          + " (digitstream.topic.labels), ");
              assertThat(setup.getMessage()).contains("digitstream.topics.create=false");
            });
    assertThat(existing()).doesNotContain(names.images(), names.models());
  }

  @Test
  void changesNothingOnASecondRun() throws Exception {
    TopicPlan plan = TopicPlan.create(2, (short) 1);
    provisioner(admin).ensure(names, ALL, plan);

    List<String> again = provisioner(admin).ensure(names, ALL, TopicPlan.create(6, (short) 1));

    assertThat(again).isEmpty();
    assertThat(describe(List.of(names.images())).get(names.images()).partitions()).hasSize(2);
  }

  @Test
  void instancesStartingTogetherCreateEachTopicOnceAndAllSucceed() throws Exception {
    int instances = 4;
    ExecutorService pool = Executors.newFixedThreadPool(instances);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<List<String>>> runs = new ArrayList<>();
    try {
      for (int i = 0; i < instances; i++) {
        runs.add(
            pool.submit(
                () -> {
                  try (Admin own = newAdmin()) {
                    TopicProvisioner provisioner = provisioner(own);
                    go.await();
                    return provisioner.ensure(names, ALL, TopicPlan.create(3, (short) 1));
                  }
                }));
      }
      go.countDown();
      List<String> createdByAll = new ArrayList<>();
      for (Future<List<String>> run : runs) {
        createdByAll.addAll(run.get(60, TimeUnit.SECONDS));
      }

      // Every topic was created by exactly one instance; the others found it existing.
      assertThat(createdByAll).containsExactlyInAnyOrderElementsOf(names.byRole().values());
    } finally {
      pool.shutdownNow();
    }
    assertThat(describe(List.of(names.models())).get(names.models()).partitions()).hasSize(1);
  }

  @Test
  void refusesAReplicationFactorTheClusterCannotMeetBeforeCreatingAnything() throws Exception {
    assertThatThrownBy(
            () ->
                provisioner(admin)
                    .ensure(names, List.of(TopicRole.IMAGES), TopicPlan.create(1, (short) 3)))
        .isInstanceOf(TopicSetupException.class)
        .hasMessageContaining(
            "replication factor 3 (digitstream.topics.replication.factor) is more than the 1"
                + " broker(s) of "
                + broker.bootstrapServers())
        .satisfies(e -> assertThat(problem(e)).isEqualTo(Problem.REFUSED));
    assertThat(existing()).doesNotContain(names.images());
  }

  private TopicProvisioner provisioner(Admin client) {
    return new TopicProvisioner(client, broker.bootstrapServers(), TIMEOUT);
  }

  private Admin newAdmin() {
    return Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()));
  }

  private static TopicNames uniqueNames() {
    String prefix = "prov-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    Properties props = new Properties();
    for (TopicRole role : TopicRole.values()) {
      props.setProperty(role.settingsKey(), prefix + role.name().toLowerCase(Locale.ROOT));
    }
    return TopicNames.from(props);
  }

  private static Problem problem(Throwable e) {
    return ((TopicSetupException) e).problem();
  }

  private Map<String, TopicDescription> describe(java.util.Collection<String> topics)
      throws Exception {
    return admin.describeTopics(topics).allTopicNames().get(10, TimeUnit.SECONDS);
  }

  private Set<String> existing() throws Exception {
    return admin.listTopics().names().get(10, TimeUnit.SECONDS);
  }

  private String cleanupPolicy(String topic) throws Exception {
    ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
    Config config =
        admin.describeConfigs(List.of(resource)).all().get(10, TimeUnit.SECONDS).get(resource);
    return config.get("cleanup.policy").value();
  }
}
