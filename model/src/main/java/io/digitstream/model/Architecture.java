package io.digitstream.model;

import java.util.Arrays;
import java.util.Locale;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * The networks the trainer can build, selectable by name ({@code train --arch}). All take a 28×28
 * grey image in 0–1, NCHW [n, 1, 28, 28] unless built for another format.
 */
public enum Architecture {
  /**
   * The default: LeNet's shape with batch normalisation after each convolution and dropout before
   * the classifier. Reaches ≥ 99.4 % with augmentation and a decaying learning rate.
   */
  LENET_BN("lenet-bn") {
    @Override
    NeuralNetConfiguration.ListBuilder layers(NeuralNetConfiguration.Builder base) {
      return base.list()
          // 24x24x20: strokes and edges
          .layer(conv(5, 20, Activation.IDENTITY))
          .layer(new BatchNormalization.Builder().build())
          .layer(new ActivationLayer(Activation.RELU))
          // 12x12x20
          .layer(maxPool())
          // 8x8x50: stroke combinations, loops and corners
          .layer(conv(5, 50, Activation.IDENTITY))
          .layer(new BatchNormalization.Builder().build())
          .layer(new ActivationLayer(Activation.RELU))
          // 4x4x50
          .layer(maxPool())
          // 500 features of the whole digit
          .layer(new DenseLayer.Builder().nOut(500).activation(Activation.RELU).build())
          // Dropout keeps half of the features while training, against co-adaptation.
          .layer(softmax(0.5));
    }
  },
  /** A lighter variant (16 and 32 filters, 128 dense units): about a third of LeNet's work. */
  COMPACT_BN("compact-bn") {
    @Override
    NeuralNetConfiguration.ListBuilder layers(NeuralNetConfiguration.Builder base) {
      return base.list()
          // 24x24x16
          .layer(conv(5, 16, Activation.IDENTITY))
          .layer(new BatchNormalization.Builder().build())
          .layer(new ActivationLayer(Activation.RELU))
          // 12x12x16
          .layer(maxPool())
          // 8x8x32
          .layer(conv(5, 32, Activation.IDENTITY))
          .layer(new BatchNormalization.Builder().build())
          .layer(new ActivationLayer(Activation.RELU))
          // 4x4x32
          .layer(maxPool())
          // 128 features
          .layer(new DenseLayer.Builder().nOut(128).activation(Activation.RELU).build())
          .layer(softmax(0.6));
    }
  },
  /** Classic LeNet-5 as in the DL4J examples: no normalisation, no dropout. */
  LENET("lenet") {
    @Override
    NeuralNetConfiguration.ListBuilder layers(NeuralNetConfiguration.Builder base) {
      return base.list()
          .layer(conv(5, 20, Activation.RELU))
          .layer(maxPool())
          .layer(conv(5, 50, Activation.RELU))
          .layer(maxPool())
          .layer(new DenseLayer.Builder().nOut(500).activation(Activation.RELU).build())
          .layer(softmax(1.0));
    }
  },
  /** The seed project's network: conv 64 → conv 32 → dense, 3×3 kernels, no pooling. */
  SEED("seed") {
    @Override
    NeuralNetConfiguration.ListBuilder layers(NeuralNetConfiguration.Builder base) {
      return base.list()
          // 26x26x64
          .layer(new ConvolutionLayer.Builder(3, 3).nOut(64).activation(Activation.RELU).build())
          // 24x24x32
          .layer(new ConvolutionLayer.Builder(3, 3).nOut(32).activation(Activation.RELU).build())
          .layer(softmax(1.0));
    }
  };

  /** The architecture trained by default: {@value #DEFAULT_NAME}. */
  public static final String DEFAULT_NAME = "lenet-bn";

  private final String cliName;

  Architecture(String cliName) {
    this.cliName = cliName;
  }

  public String cliName() {
    return cliName;
  }

  abstract NeuralNetConfiguration.ListBuilder layers(NeuralNetConfiguration.Builder base);

  /** The full configuration: Adam with {@code learningRate}, He initialisation, given seed. */
  public MultiLayerConfiguration configuration(long seed, ISchedule learningRate) {
    return configuration(seed, learningRate, CNN2DFormat.NCHW);
  }

  /**
   * {@link #configuration(long, ISchedule)} with activations in {@code format}; the input type
   * carries it to every convolution, batch-norm and pooling layer. The trainer uses NCHW.
   */
  public MultiLayerConfiguration configuration(
      long seed, ISchedule learningRate, CNN2DFormat format) {
    NeuralNetConfiguration.Builder base =
        new NeuralNetConfiguration.Builder()
            .seed(seed)
            .updater(new Adam(learningRate))
            .weightInit(WeightInit.RELU)
            .convolutionMode(ConvolutionMode.Truncate);
    return layers(base).setInputType(InputType.convolutional(28, 28, 1, format)).build();
  }

  public static Architecture byName(String name) {
    for (Architecture a : values()) {
      if (a.cliName.equals(name.toLowerCase(Locale.ROOT))) {
        return a;
      }
    }
    throw new IllegalArgumentException(
        "unknown architecture '"
            + name
            + "', expected one of "
            + Arrays.stream(values()).map(Architecture::cliName).toList());
  }

  private static ConvolutionLayer conv(int kernel, int filters, Activation activation) {
    return new ConvolutionLayer.Builder(kernel, kernel)
        .nOut(filters)
        .stride(1, 1)
        .activation(activation)
        .build();
  }

  private static SubsamplingLayer maxPool() {
    return new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX)
        .kernelSize(2, 2)
        .stride(2, 2)
        .build();
  }

  /** DL4J's dropOut(p) is the probability of keeping each input; 1.0 means no dropout. */
  private static OutputLayer softmax(double retain) {
    OutputLayer.Builder b =
        new OutputLayer.Builder(LossFunctions.LossFunction.NEGATIVELOGLIKELIHOOD)
            .nOut(10)
            .activation(Activation.SOFTMAX);
    if (retain < 1.0) {
      b.dropOut(retain);
    }
    return b.build();
  }
}
