package io.digitstream.bench;

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
import org.deeplearning4j.nn.conf.layers.SeparableConvolution2D;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Network shapes compared for speed only, built with random weights in either data format. The
 * first two mirror the trainer's {@code lenet-bn} and {@code compact-bn}; the others are leaner
 * shapes that could be trained to the same accuracy. Every convolution is followed by batch
 * normalisation and ReLU, as in the trainer, so the folded engine treats them alike.
 */
public enum CandidateArchitecture {
  /** The trainer's default: conv5×5×20, pool, conv5×5×50, pool, dense 500. */
  LENET_BN("lenet-bn", "c5x20 p c5x50 p d500 (trainer default)") {
    @Override
    NeuralNetConfiguration.ListBuilder layers(NeuralNetConfiguration.ListBuilder b, CNN2DFormat f) {
      return b.layer(conv(5, 1, 20, f))
          .layer(bn(f))
          .layer(relu())
          .layer(pool(f))
          .layer(conv(5, 1, 50, f))
          .layer(bn(f))
          .layer(relu())
          .layer(pool(f))
          .layer(dense(500));
    }
  },
  /** The trainer's lighter variant: 16 and 32 filters, dense 128. */
  COMPACT_BN("compact-bn", "c5x16 p c5x32 p d128 (trainer)") {
    @Override
    NeuralNetConfiguration.ListBuilder layers(NeuralNetConfiguration.ListBuilder b, CNN2DFormat f) {
      return b.layer(conv(5, 1, 16, f))
          .layer(bn(f))
          .layer(relu())
          .layer(pool(f))
          .layer(conv(5, 1, 32, f))
          .layer(bn(f))
          .layer(relu())
          .layer(pool(f))
          .layer(dense(128));
    }
  },
  /** LeNet with a narrower second convolution and dense layer. */
  LENET_32("lenet-32", "c5x20 p c5x32 p d256") {
    @Override
    NeuralNetConfiguration.ListBuilder layers(NeuralNetConfiguration.ListBuilder b, CNN2DFormat f) {
      return b.layer(conv(5, 1, 20, f))
          .layer(bn(f))
          .layer(relu())
          .layer(pool(f))
          .layer(conv(5, 1, 32, f))
          .layer(bn(f))
          .layer(relu())
          .layer(pool(f))
          .layer(dense(256));
    }
  },
  /** LeNet whose first convolution strides by two instead of being pooled. */
  LENET_S2("lenet-s2", "c5x20/2 c5x50 p d500") {
    @Override
    NeuralNetConfiguration.ListBuilder layers(NeuralNetConfiguration.ListBuilder b, CNN2DFormat f) {
      return b.layer(conv(5, 2, 20, f))
          .layer(bn(f))
          .layer(relu())
          .layer(conv(5, 1, 50, f))
          .layer(bn(f))
          .layer(relu())
          .layer(pool(f))
          .layer(dense(500));
    }
  },
  /** Three small 3×3 convolutions, the last one unpooled. */
  MINI_3X3("mini-3x3", "c3x16 p c3x32 p c3x64 d128") {
    @Override
    NeuralNetConfiguration.ListBuilder layers(NeuralNetConfiguration.ListBuilder b, CNN2DFormat f) {
      return b.layer(conv(3, 1, 16, f))
          .layer(bn(f))
          .layer(relu())
          .layer(pool(f))
          .layer(conv(3, 1, 32, f))
          .layer(bn(f))
          .layer(relu())
          .layer(pool(f))
          .layer(conv(3, 1, 64, f))
          .layer(bn(f))
          .layer(relu())
          .layer(dense(128));
    }
  },
  /** LeNet with its second convolution depthwise-separable (DL4J engine only). */
  LENET_SEPARABLE("lenet-sep", "c5x20 p sep5x50 p d500 (DL4J only)") {
    @Override
    NeuralNetConfiguration.ListBuilder layers(NeuralNetConfiguration.ListBuilder b, CNN2DFormat f) {
      return b.layer(conv(5, 1, 20, f))
          .layer(bn(f))
          .layer(relu())
          .layer(pool(f))
          .layer(
              new SeparableConvolution2D.Builder(5, 5)
                  .nOut(50)
                  .dataFormat(f)
                  .activation(Activation.IDENTITY)
                  .build())
          .layer(bn(f))
          .layer(relu())
          .layer(pool(f))
          .layer(dense(500));
    }
  };

  private final String cliName;
  private final String shape;

  CandidateArchitecture(String cliName, String shape) {
    this.cliName = cliName;
    this.shape = shape;
  }

  public String cliName() {
    return cliName;
  }

  /** A compact description of the layers. */
  public String shape() {
    return shape;
  }

  abstract NeuralNetConfiguration.ListBuilder layers(
      NeuralNetConfiguration.ListBuilder builder, CNN2DFormat format);

  /** The configuration in {@code format}; the input is a 28×28 grey image in that format. */
  public MultiLayerConfiguration configuration(CNN2DFormat format) {
    NeuralNetConfiguration.ListBuilder list =
        new NeuralNetConfiguration.Builder()
            .seed(42)
            .weightInit(WeightInit.RELU)
            .convolutionMode(ConvolutionMode.Truncate)
            .list();
    return layers(list, format)
        .layer(
            new OutputLayer.Builder(LossFunctions.LossFunction.NEGATIVELOGLIKELIHOOD)
                .nOut(10)
                .activation(Activation.SOFTMAX)
                .build())
        .setInputType(InputType.convolutional(28, 28, 1, format))
        .build();
  }

  /** An initialised network with random weights, for speed measurements only. */
  public MultiLayerNetwork randomNetwork(CNN2DFormat format) {
    MultiLayerNetwork network = new MultiLayerNetwork(configuration(format));
    network.init();
    return network;
  }

  private static ConvolutionLayer conv(int kernel, int stride, int filters, CNN2DFormat f) {
    return new ConvolutionLayer.Builder(kernel, kernel)
        .stride(stride, stride)
        .nOut(filters)
        .dataFormat(f)
        .activation(Activation.IDENTITY)
        .build();
  }

  private static BatchNormalization bn(CNN2DFormat f) {
    return new BatchNormalization.Builder().dataFormat(f).build();
  }

  private static ActivationLayer relu() {
    return new ActivationLayer(Activation.RELU);
  }

  private static SubsamplingLayer pool(CNN2DFormat f) {
    return new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX)
        .kernelSize(2, 2)
        .stride(2, 2)
        .dataFormat(f)
        .build();
  }

  private static DenseLayer dense(int units) {
    return new DenseLayer.Builder().nOut(units).activation(Activation.RELU).build();
  }
}
