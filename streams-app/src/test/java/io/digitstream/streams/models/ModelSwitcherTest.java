package io.digitstream.streams.models;

import static org.assertj.core.api.Assertions.assertThat;

import io.digitstream.model.BundleSignature;
import io.digitstream.model.ModelAdmission;
import io.digitstream.model.ModelBundle;
import io.digitstream.model.ModelDirectories;
import io.digitstream.model.ModelKeys;
import io.digitstream.record.ModelAnnouncement;
import io.digitstream.streams.Fixtures;
import io.digitstream.streams.metrics.AppMetrics;
import io.digitstream.streams.metrics.AppMetrics.ModelReload;
import io.digitstream.streams.scoring.ClassifierPool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Announcements turned into switches or refusals, without Kafka. */
class ModelSwitcherTest {
  @TempDir Path dir;
  private Path models;
  private final AppMetrics metrics = new AppMetrics();
  private ClassifierPool pool;
  private ModelSwitcher switcher;
  private ModelAdmission admission;
  private ModelBundle a;
  private ModelBundle b;

  @BeforeEach
  void setUp() {
    models = dir.resolve("models");
    a = Fixtures.signedCopy(Fixtures.modelDirectory(), models.resolve("a"));
    b = Fixtures.signedCopy(Fixtures.resource("model-b"), models.resolve("b"));
    pool = ClassifierPool.of(Fixtures.reference().copy(), 1);
    admission =
        new ModelAdmission(
            ModelDirectories.of(List.of(models)), List.of(Fixtures.trustedKey()), true);
    switcher = new ModelSwitcher(pool, a.directory().toString(), metrics, admission);
  }

  @Test
  void switchesToAnAnnouncedBundleThatPassesEveryCheck() {
    assertThat(switcher.apply(announce(b, b.directory().toString()))).isTrue();

    assertThat(pool.version()).isEqualTo(b.version());
    assertThat(pool.forCurrentThread().version()).isEqualTo(b.version());
    ModelStatus status = switcher.status();
    assertThat(status.active().version()).isEqualTo(b.version());
    assertThat(status.lastAnnouncement().outcome()).isEqualTo("loaded");
    assertThat(metrics.modelReloads(ModelReload.LOADED)).isEqualTo(1);
    assertThat(metrics.scrape())
        .contains("digitstream_model_active{model_version=\"" + b.version() + "\"} 1.0")
        .contains("digitstream_model_active{model_version=\"" + a.version() + "\"} 0.0");
  }

  @Test
  void acceptsAFileUriAndRollsBackByAnnouncingThePreviousVersion() {
    switcher.apply(announce(b, b.directory().toUri().toString()));
    assertThat(pool.version()).isEqualTo(b.version());

    switcher.apply(announce(a, a.directory().toString()));
    assertThat(pool.version()).isEqualTo(a.version());
    assertThat(metrics.modelReloads(ModelReload.LOADED)).isEqualTo(2);
  }

  @Test
  void refusesAnUnsignedBundleAndKeepsServingTheOldModel() throws IOException {
    Path unsigned = copy(b, "unsigned");

    assertRefused(announce(b, unsigned.toString()), "refused: unsigned");
  }

  @Test
  void refusesABundleSignedByAnUntrustedKey() throws IOException {
    Path keys = dir.resolve("other-keys");
    ModelKeys.generate(keys);
    Path signed = copy(b, "stranger");
    BundleSignature.sign(signed, ModelKeys.readPrivate(keys.resolve(ModelKeys.PRIVATE_FILE)));

    assertRefused(announce(b, signed.toString()), "does not match");
  }

  @Test
  void refusesASignedBundleChangedAfterSigning() throws IOException {
    Path changed = copy(b, "changed");
    Files.copy(b.directory().resolve(ModelBundle.SIGNATURE_FILE), changed.resolve("bundle.sig"));
    Files.writeString(changed.resolve("reference.json"), "{}");

    assertRefused(announce(b, changed.toString()), "does not match");
  }

  @Test
  void refusesABundleOutsideTheModelDirectoriesWhetherItExistsOrNot() throws IOException {
    Path elsewhere = dir.resolve("elsewhere");
    ModelBundle outside = Fixtures.signedCopy(b.directory(), elsewhere.resolve("b"));
    assertRefused(announce(b, outside.directory().toString()), ModelDirectories.OUTSIDE);
    String existing = switcher.status().lastAnnouncement().reason();
    assertRefused(announce(b, elsewhere.resolve("nothing").toString()), ModelDirectories.OUTSIDE);
    assertThat(switcher.status().lastAnnouncement().reason()).isEqualTo(existing);
    // A link inside the directories that leads out is refused too.
    Path link = Files.createSymbolicLink(models.resolve("link"), outside.directory());
    assertRefused(announce(b, link.toString()), ModelDirectories.OUTSIDE);
    assertRefused(announce(b, models + "/../models/b"), "'..'");
  }

  private void assertRefused(ModelAnnouncement announcement, String reason) {
    long before = metrics.modelReloads(ModelReload.REFUSED);
    assertThat(switcher.apply(announcement)).isFalse();
    assertThat(pool.version()).isEqualTo(a.version());
    assertThat(switcher.status().active().version()).isEqualTo(a.version());
    assertThat(switcher.status().lastAnnouncement().outcome()).isEqualTo("refused");
    assertThat(switcher.status().lastAnnouncement().reason()).contains(reason);
    assertThat(metrics.modelReloads(ModelReload.REFUSED)).isEqualTo(before + 1);
  }

  @Test
  void refusesATruncatedBundleAndKeepsServingTheOldModel() throws IOException {
    Path broken = copy(b, "truncated");
    Path zip = broken.resolve(ModelBundle.NETWORK_FILE);
    byte[] bytes = Files.readAllBytes(zip);
    Files.write(zip, java.util.Arrays.copyOf(bytes, bytes.length / 2));

    assertThat(switcher.apply(announce(b, broken.toString()))).isFalse();

    assertThat(pool.version()).isEqualTo(a.version());
    ModelStatus status = switcher.status();
    assertThat(status.active().version()).isEqualTo(a.version());
    assertThat(status.lastAnnouncement().version()).isEqualTo(b.version());
    assertThat(status.lastAnnouncement().outcome()).isEqualTo("refused");
    assertThat(status.lastAnnouncement().reason()).contains("is corrupt or was replaced");
    assertThat(metrics.modelReloads(ModelReload.REFUSED)).isEqualTo(1);
  }

  @Test
  void refusesABundleWhoseChecksumDiffersFromTheAnnouncedOne() {
    ModelAnnouncement wrong =
        ModelAnnouncement.of("active", b.version(), b.directory().toString(), "0".repeat(64), 1L);

    assertThat(switcher.apply(wrong)).isFalse();

    assertThat(pool.version()).isEqualTo(a.version());
    assertThat(switcher.status().lastAnnouncement().reason())
        .contains("the announcement says " + "0".repeat(64));
  }

  @Test
  void refusesAVersionThatIsNotTheBundles() {
    ModelAnnouncement wrong =
        ModelAnnouncement.of(
            "active", "not-b", b.directory().toString(), b.metadata().networkSha256(), 1L);

    assertThat(switcher.apply(wrong)).isFalse();
    assertThat(switcher.status().lastAnnouncement().reason()).contains("is version " + b.version());
  }

  @Test
  void refusesAMissingBundleAndARelativeLocation() {
    assertThat(switcher.apply(announce(b, models.resolve("nowhere").toString()))).isFalse();
    assertThat(switcher.status().lastAnnouncement().reason()).contains("does not exist");

    assertThat(switcher.apply(announce(b, "models/b"))).isFalse();
    assertThat(switcher.status().lastAnnouncement().reason()).contains("is not an absolute path");
    assertThat(pool.version()).isEqualTo(a.version());
  }

  @Test
  void refusesANetworkThatCannotBeLoadedEvenWithAMatchingChecksum() throws IOException {
    Path fake = copy(b, "fake");
    Files.writeString(fake.resolve(ModelBundle.NETWORK_FILE), "not a zip");
    String sha = io.digitstream.model.Sha256.of(fake.resolve(ModelBundle.NETWORK_FILE));
    Path meta = fake.resolve(ModelBundle.METADATA_FILE);
    Files.writeString(meta, Files.readString(meta).replace(b.metadata().networkSha256(), sha));

    ModelAnnouncement announcement =
        ModelAnnouncement.of("active", b.version(), fake.toString(), sha, 1L);
    assertThat(switcher.apply(announcement)).isFalse();

    assertThat(switcher.status().lastAnnouncement().outcome()).isEqualTo("refused");
    assertThat(pool.version()).isEqualTo(a.version());
  }

  @Test
  void treatsTheActiveVersionAnnouncedAgainAsUnchanged() {
    assertThat(switcher.apply(announce(a, a.directory().toString()))).isTrue();
    assertThat(switcher.status().lastAnnouncement().outcome()).isEqualTo("unchanged");
    assertThat(metrics.modelReloads(ModelReload.UNCHANGED)).isEqualTo(1);
  }

  @Test
  void refusesACorruptCopyOfTheVersionAlreadyActive() throws IOException {
    Path broken = copy(a, "corrupt-active");
    Files.writeString(broken.resolve(ModelBundle.NETWORK_FILE), "truncated");

    assertThat(switcher.apply(announce(a, broken.toString()))).isFalse();
    assertThat(switcher.status().lastAnnouncement().outcome()).isEqualTo("refused");
  }

  @Test
  void loadsAShadowBesideTheActiveModelAndRetiresIt() {
    assertThat(switcher.apply(shadow(b))).isTrue();

    assertThat(pool.version()).isEqualTo(a.version());
    assertThat(pool.shadowVersion()).contains(b.version());
    assertThat(pool.shadowForCurrentThread().version()).isEqualTo(b.version());
    assertThat(switcher.status().shadowVersion()).isEqualTo(b.version());
    assertThat(switcher.status().lastAnnouncement().role()).isEqualTo("shadow");

    assertThat(switcher.apply(ModelAnnouncement.retireShadow(b.version(), 2L))).isTrue();
    assertThat(pool.shadowVersion()).isEmpty();
    assertThat(pool.shadowForCurrentThread()).isNull();
    assertThat(switcher.status().shadowVersion()).isNull();
    assertThat(switcher.status().lastAnnouncement().outcome()).isEqualTo("retired");
    assertThat(metrics.modelReloads(ModelReload.RETIRED)).isEqualTo(1);
  }

  @Test
  void promotingTheShadowToActiveEndsShadowMode() {
    switcher.apply(shadow(b));

    assertThat(switcher.apply(announce(b, b.directory().toString()))).isTrue();

    assertThat(pool.version()).isEqualTo(b.version());
    assertThat(pool.shadowVersion()).isEmpty();
    assertThat(switcher.status().active().version()).isEqualTo(b.version());
    assertThat(switcher.status().shadowVersion()).isNull();
  }

  @Test
  void refusesAShadowThatIsTheActiveModel() {
    assertThat(switcher.apply(shadow(a))).isFalse();
    assertThat(switcher.status().lastAnnouncement().reason()).contains("is the active model");
    assertThat(pool.shadowVersion()).isEmpty();
  }

  @Test
  void showsAShadowThatFailedOnABatchAsEnded() {
    switcher.apply(shadow(b));
    pool.retireShadow(pool.shadowForCurrentThread(), "out of memory");

    ModelStatus status = switcher.status();
    assertThat(status.shadowVersion()).isNull();
    assertThat(status.shadowEnded()).contains(b.version()).contains("out of memory");
  }

  @Test
  void countsAnUnreadableAnnouncementAndShowsWhy() {
    switcher.invalid("digits.models-0@3: not valid JSON");
    assertThat(switcher.status().lastAnnouncement().outcome()).isEqualTo("invalid");
    assertThat(switcher.status().lastAnnouncement().reason())
        .isEqualTo("digits.models-0@3: not valid JSON");
    assertThat(metrics.modelReloads(ModelReload.INVALID)).isEqualTo(1);
    assertThat(pool.version()).isEqualTo(a.version());
  }

  @Test
  void retriesABundleThatWasHalfWrittenUntilItIsCompleteThenSwitches() throws IOException {
    ModelSwitcher retrying =
        new ModelSwitcher(
            pool,
            a.directory().toString(),
            metrics,
            new ModelSettings(
                Duration.ofMillis(100),
                Duration.ofMillis(400),
                0,
                Duration.ofSeconds(5),
                Duration.ZERO),
            admission);
    // Only bundle.json has arrived: network.zip is still being copied.
    Path arriving = Files.createDirectories(models.resolve("arriving"));
    Files.copy(
        b.directory().resolve(ModelBundle.METADATA_FILE),
        arriving.resolve(ModelBundle.METADATA_FILE));

    assertThat(retrying.apply(announce(b, arriving.toString()))).isFalse();
    assertThat(pool.version()).isEqualTo(a.version());
    ModelStatus.Retry retry = retrying.status().retrying().get(0);
    assertThat(retry.version()).isEqualTo(b.version());
    assertThat(retry.attempt()).isEqualTo(1);
    long now = System.currentTimeMillis();
    assertThat(retry.nextAt()).isBetween(now, now + 200);

    // Still incomplete at the first retry: refused again, and the wait doubles.
    retrying.retryDue(retry.nextAt());
    assertThat(retrying.status().retrying().get(0).attempt()).isEqualTo(2);
    assertThat(pool.version()).isEqualTo(a.version());

    Files.copy(b.networkFile(), arriving.resolve(ModelBundle.NETWORK_FILE));
    Files.copy(
        b.directory().resolve(ModelBundle.REFERENCE_FILE),
        arriving.resolve(ModelBundle.REFERENCE_FILE));
    Files.copy(
        b.directory().resolve(ModelBundle.SIGNATURE_FILE),
        arriving.resolve(ModelBundle.SIGNATURE_FILE));
    retrying.retryDue(System.currentTimeMillis() + 10_000);

    assertThat(pool.version()).isEqualTo(b.version());
    assertThat(retrying.status().retrying()).isEmpty();
    assertThat(retrying.status().lastAnnouncement().outcome()).isEqualTo("loaded");
    assertThat(metrics.modelReloads(ModelReload.REFUSED)).isEqualTo(2);
  }

  @Test
  void aNewerAnnouncementOfTheRoleSupersedesAPendingRetry() {
    assertThat(switcher.apply(announce(b, models.resolve("not-yet").toString()))).isFalse();
    assertThat(switcher.status().retrying()).hasSize(1);

    assertThat(switcher.apply(announce(a, a.directory().toString()))).isTrue();
    assertThat(switcher.status().retrying()).isEmpty();
  }

  @Test
  void doesNotRetryARefusalThatCannotChange() {
    assertThat(switcher.apply(announce(b, "models/b"))).isFalse();
    assertThat(switcher.status().retrying()).isEmpty();
  }

  @Test
  void refusesAnAnnouncementWhoseKeyIsNotItsRoleAndCountsIt() {
    switcher.miskeyed(announce(b, b.directory().toString()), "shadow", "digits.models-0@7");

    assertThat(pool.version()).isEqualTo(a.version());
    ModelStatus.Handled last = switcher.status().lastAnnouncement();
    assertThat(last.outcome()).isEqualTo("miskeyed");
    assertThat(last.reason())
        .isEqualTo(
            "digits.models-0@7: the record key is 'shadow' but the announcement's role is"
                + " 'active'; announce with the role as key");
    assertThat(metrics.modelReloads(ModelReload.MISKEYED)).isEqualTo(1);
    assertThat(switcher.status().retrying()).isEmpty();
  }

  @Test
  void neverLoadsAQuarantinedVersionAgain() {
    pool.quarantine().add(b.version(), "NaN on a batch of 64 images", 1L);

    assertThat(switcher.apply(announce(b, b.directory().toString()))).isFalse();

    assertThat(pool.version()).isEqualTo(a.version());
    assertThat(switcher.status().lastAnnouncement().outcome()).isEqualTo("quarantined");
    assertThat(switcher.status().quarantined())
        .extracting(q -> q.version())
        .containsExactly(b.version());
    assertThat(switcher.status().degradedReasons()).hasSize(1);
    assertThat(switcher.status().retrying()).isEmpty();
  }

  @Test
  void showsTheLastGoodModelAsActiveOnceAStreamThreadQuarantinedTheNewOne() {
    switcher.apply(announce(b, b.directory().toString()));

    assertThat(pool.quarantine(b.version(), a.version(), "NaN")).isTrue();

    assertThat(switcher.status().active().version()).isEqualTo(a.version());
    assertThat(switcher.status().active().location()).isEqualTo(a.directory().toString());
  }

  @Test
  void refusesABundleWhoseLoadThrowsAnErrorAndStaysUsable() throws IOException {
    // javacpp's off-heap limit and a native library that does not link throw Errors, not
    // exceptions; before, they escaped apply and ended the watcher thread.
    ClassifierPool failing =
        failingLoads(new OutOfMemoryError("Physical memory usage is too high"));
    ModelSwitcher guarded =
        new ModelSwitcher(failing, a.directory().toString(), metrics, admission);

    assertThat(guarded.apply(announce(b, b.directory().toString()))).isFalse();
    assertThat(guarded.status().lastAnnouncement().reason())
        .isEqualTo("OutOfMemoryError: Physical memory usage is too high");
    assertThat(guarded.status().retrying()).hasSize(1);

    ClassifierPool unlinked = failingLoads(new UnsatisfiedLinkError("no jnind4jcpu"));
    ModelSwitcher again = new ModelSwitcher(unlinked, a.directory().toString(), metrics, admission);
    assertThat(again.apply(announce(b, b.directory().toString()))).isFalse();
    assertThat(again.status().lastAnnouncement().reason()).contains("UnsatisfiedLinkError");
  }

  private static ClassifierPool failingLoads(Error error) {
    return ClassifierPool.of(
        Fixtures.reference().copy(),
        1,
        bundle -> {
          throw error;
        });
  }

  private static ModelAnnouncement announce(ModelBundle bundle, String location) {
    return ModelAnnouncement.of(
        "active", bundle.version(), location, bundle.metadata().networkSha256(), 1L);
  }

  private static ModelAnnouncement shadow(ModelBundle bundle) {
    return ModelAnnouncement.of(
        "shadow",
        bundle.version(),
        bundle.directory().toString(),
        bundle.metadata().networkSha256(),
        1L);
  }

  private Path copy(ModelBundle bundle, String name) throws IOException {
    Path target = Files.createDirectories(models.resolve(name));
    for (String file : new String[] {ModelBundle.NETWORK_FILE, ModelBundle.METADATA_FILE}) {
      Files.copy(
          bundle.directory().resolve(file),
          target.resolve(file),
          StandardCopyOption.REPLACE_EXISTING);
    }
    return target;
  }
}
