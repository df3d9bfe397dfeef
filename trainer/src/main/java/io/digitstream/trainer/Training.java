package io.digitstream.trainer;

import io.digitstream.accuracy.ConfusionMatrix;
import io.digitstream.image.MnistDataset;
import io.digitstream.image.MnistFetch;
import io.digitstream.model.Architecture;
import io.digitstream.model.DigitClassifier;
import io.digitstream.model.Evaluator;
import io.digitstream.model.ModelBundle;
import io.digitstream.model.ModelMetadata;
import io.digitstream.model.ModelMetadata.EpochRecord;
import io.digitstream.model.MonitoringFit;
import io.digitstream.model.MonitoringReference;
import io.digitstream.model.ReferenceBatch;
import io.digitstream.model.Sha256;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.deeplearning4j.earlystopping.EarlyStoppingConfiguration;
import org.deeplearning4j.earlystopping.EarlyStoppingResult;
import org.deeplearning4j.earlystopping.listener.EarlyStoppingListener;
import org.deeplearning4j.earlystopping.saver.InMemoryModelSaver;
import org.deeplearning4j.earlystopping.scorecalc.ClassificationScoreCalculator;
import org.deeplearning4j.earlystopping.termination.MaxEpochsTerminationCondition;
import org.deeplearning4j.earlystopping.termination.MaxTimeIterationTerminationCondition;
import org.deeplearning4j.earlystopping.termination.ScoreImprovementEpochTerminationCondition;
import org.deeplearning4j.earlystopping.trainer.EarlyStoppingTrainer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.ScheduleType;

/** Trains one network with early stopping on a validation split and writes the best as a bundle. */
final class Training {

  /** Everything that decides the trained model; recorded in the bundle. */
  record Options(
      Architecture architecture,
      int epochs,
      int batchSize,
      long seed,
      double learningRate,
      double learningRateDecay,
      int validationSize,
      int patience,
      int maxMinutes,
      boolean augment,
      int trainLimit,
      int testLimit,
      Path dataDir,
      Path output,
      String command) {}

  record Result(ModelBundle bundle, ConfusionMatrix test, double seconds) {}

  /**
   * Which training images a network learns from and which it is validated on: the one function both
   * {@code train} and {@code calibrate} use, so a bundle's validation split can be rebuilt from its
   * hyper-parameters (seed, validationSize, trainLimit). The validation split comes from the
   * training set; the test set is only ever evaluated.
   */
  record Split(int[] train, int[] validation) {
    static Split of(int images, long seed, int validationSize, int trainLimit) {
      int[] shuffled = shuffledIndices(images, seed);
      int validation = Math.min(validationSize, images / 5);
      int trainSize = images - validation;
      if (trainLimit > 0) {
        trainSize = Math.min(trainSize, trainLimit);
      }
      return new Split(
          java.util.Arrays.copyOfRange(shuffled, 0, trainSize),
          java.util.Arrays.copyOfRange(shuffled, images - validation, images));
    }
  }

  private final Options options;
  private final PrintStream out;
  private final boolean terminal;

  Training(Options options, PrintStream out, boolean terminal) {
    this.options = options;
    this.out = out;
    this.terminal = terminal;
  }

  Result run() throws IOException {
    long started = System.nanoTime();
    Nd4j.getRandom().setSeed(options.seed());
    MnistFetch.ensure(options.dataDir(), System.err);
    MnistDataset train = MnistDataset.load(options.dataDir(), MnistDataset.Split.TRAIN);
    MnistDataset test = MnistDataset.load(options.dataDir(), MnistDataset.Split.TEST);

    Split split =
        Split.of(train.size(), options.seed(), options.validationSize(), options.trainLimit());
    int[] trainIdx = split.train();
    int[] validIdx = split.validation();
    int trainSize = trainIdx.length;
    int validationSize = validIdx.length;
    MnistBatches trainBatches =
        new MnistBatches(
            train,
            trainIdx,
            options.batchSize(),
            options.augment() ? Augmenter.standard() : null,
            options.seed());
    MnistBatches validBatches = new MnistBatches(train, validIdx, 500, null, -1);

    int itersPerEpoch = (trainSize + options.batchSize() - 1) / options.batchSize();
    // Decay smoothly per iteration so the rate falls by learningRateDecay each epoch.
    double gamma = Math.pow(options.learningRateDecay(), 1.0 / itersPerEpoch);
    MultiLayerNetwork network =
        new MultiLayerNetwork(
            options
                .architecture()
                .configuration(
                    options.seed(),
                    new ExponentialSchedule(
                        ScheduleType.ITERATION, options.learningRate(), gamma)));
    network.init();
    out.printf(
        "Training %s (%,d parameters) on %,d images, validating on %,d, up to %d epochs%n",
        options.architecture().cliName(),
        network.numParams(),
        trainSize,
        validationSize,
        options.epochs());

    ProgressBar progress =
        new ProgressBar(out, trainSize, options.batchSize(), options.epochs(), terminal);
    network.setListeners(progress);
    List<EpochRecord> history = new ArrayList<>();
    EarlyStoppingConfiguration<MultiLayerNetwork> config =
        new EarlyStoppingConfiguration.Builder<MultiLayerNetwork>()
            .epochTerminationConditions(
                new MaxEpochsTerminationCondition(options.epochs()),
                new ScoreImprovementEpochTerminationCondition(options.patience()))
            .iterationTerminationConditions(
                new MaxTimeIterationTerminationCondition(options.maxMinutes(), TimeUnit.MINUTES))
            .scoreCalculator(
                new ClassificationScoreCalculator(Evaluation.Metric.ACCURACY, validBatches))
            .evaluateEveryNEpochs(1)
            .modelSaver(new InMemoryModelSaver<>())
            .build();
    EarlyStoppingTrainer trainer = new EarlyStoppingTrainer(config, network, trainBatches);
    trainer.setListener(
        new EarlyStoppingListener<>() {
          @Override
          public void onStart(
              EarlyStoppingConfiguration<MultiLayerNetwork> c, MultiLayerNetwork n) {
            progress.startEpoch(0);
          }

          @Override
          public void onEpoch(
              int epoch,
              double score,
              EarlyStoppingConfiguration<MultiLayerNetwork> c,
              MultiLayerNetwork n) {
            history.add(
                new EpochRecord(epoch + 1, progress.epochSeconds(), progress.meanLoss(), score));
            out.printf(
                "epoch %d: %.1f s, loss %.4f, validation accuracy %.4f%n",
                epoch + 1, progress.epochSeconds(), progress.meanLoss(), score);
            progress.startEpoch(epoch + 1);
          }

          @Override
          public void onCompletion(EarlyStoppingResult<MultiLayerNetwork> result) {}
        });
    EarlyStoppingResult<MultiLayerNetwork> result = trainer.fit();
    MultiLayerNetwork best = result.getBestModel();
    int bestEpoch = result.getBestModelEpoch() + 1;
    // Read the best score from our own history: the result's field is not reliable for maximised
    // scores.
    double bestValidation =
        history.stream()
            .filter(h -> h.epoch() == bestEpoch)
            .mapToDouble(EpochRecord::validationAccuracy)
            .findFirst()
            .orElse(Double.NaN);
    out.printf(
        "Stopped: %s (%s); best epoch %d, validation accuracy %.4f%n",
        result.getTerminationReason(), result.getTerminationDetails(), bestEpoch, bestValidation);

    ConfusionMatrix testMatrix =
        Evaluator.confusion(new DigitClassifier(best, "candidate"), test, options.testLimit());
    out.printf("Test accuracy %.4f on %,d images%n", testMatrix.accuracy(), testMatrix.count());

    double seconds = (System.nanoTime() - started) / 1e9;
    ModelMetadata metadata =
        new ModelMetadata(
            1,
            null,
            null,
            options.architecture().cliName(),
            ModelMetadata.PREPROCESSING,
            best.numParams(),
            Instant.now().toString(),
            options.command(),
            dataChecksums(),
            hyperParameters(result, seconds),
            bestValidation,
            testMatrix.accuracy(),
            history);
    ModelBundle bundle = ModelBundle.write(options.output(), best, metadata);
    writeReference(bundle, train);
    // Fitted on the network as read back from network.zip, like the reference batch.
    MonitoringReference monitoring =
        MonitoringFit.fit(
            new DigitClassifier(bundle.loadNetwork(), bundle.version()), train, trainIdx, validIdx);
    ModelBundle.writeMonitoring(bundle.directory(), monitoring);
    CalibrateCommand.printFit(out, monitoring);
    bundle = ModelBundle.open(bundle.directory());
    out.printf(
        "Wrote model bundle %s (version %s) in %.0f s%n",
        bundle.directory(), bundle.version(), seconds);
    return new Result(bundle, testMatrix, seconds);
  }

  /**
   * The first training images and the written network's answers to them, as {@code reference.json}:
   * every instance checks a candidate against them before serving it.
   */
  private static void writeReference(ModelBundle bundle, MnistDataset train) throws IOException {
    List<byte[]> images = new ArrayList<>();
    for (int i = 0; i < Math.min(ReferenceBatch.DEFAULT_SIZE, train.size()); i++) {
      images.add(train.image(i));
    }
    // Recorded from the network as read back from network.zip, which is what instances load.
    DigitClassifier written = new DigitClassifier(bundle.loadNetwork(), bundle.version());
    ModelBundle.writeReference(bundle.directory(), ReferenceBatch.record(written, images));
  }

  private Map<String, Object> hyperParameters(
      EarlyStoppingResult<MultiLayerNetwork> result, double seconds) {
    Map<String, Object> h = new LinkedHashMap<>();
    h.put("maxEpochs", options.epochs());
    h.put("epochsRun", result.getTotalEpochs());
    h.put("bestEpoch", result.getBestModelEpoch() + 1);
    h.put("batchSize", options.batchSize());
    h.put("seed", options.seed());
    h.put("learningRate", options.learningRate());
    h.put("learningRateDecayPerEpoch", options.learningRateDecay());
    h.put("optimizer", "adam");
    h.put("augmentation", options.augment() ? "rotate ±10°, scale ±10%, shift ±2px" : "none");
    h.put("validationSize", options.validationSize());
    h.put("patience", options.patience());
    h.put("trainLimit", options.trainLimit());
    h.put("ompThreads", System.getenv().getOrDefault("OMP_NUM_THREADS", "unset"));
    h.put("trainingSeconds", Math.round(seconds));
    return h;
  }

  private Map<String, String> dataChecksums() throws IOException {
    Map<String, String> sums = new LinkedHashMap<>();
    for (MnistDataset.Split split : MnistDataset.Split.values()) {
      for (String kind : List.of("images-idx3-ubyte", "labels-idx1-ubyte")) {
        Path file = MnistDataset.find(options.dataDir(), split.fileStem(kind));
        sums.put(file.getFileName().toString(), Sha256.of(file));
      }
    }
    return sums;
  }

  static int[] shuffledIndices(int n, long seed) {
    int[] idx = new int[n];
    for (int i = 0; i < n; i++) {
      idx[i] = i;
    }
    Random random = new Random(seed ^ 0x5DEECE66DL);
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = idx[i];
      idx[i] = idx[j];
      idx[j] = t;
    }
    return idx;
  }
}
