package io.digitstream.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.digitstream.model.Architecture;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SeparableConvolution2D;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.schedule.MapSchedule;
import org.nd4j.linalg.schedule.ScheduleType;

class FlopCounterTest {
  private static final InputType MNIST = InputType.convolutional(28, 28, 1);

  private static MultiLayerConfiguration conf(Architecture a) {
    return a.configuration(1, new MapSchedule(ScheduleType.EPOCH, Map.of(0, 1e-3)));
  }

  @Test
  void countsLenetBnAsConvolutionsPlusDenseLayers() {
    // conv1 2·5·5·1·20·24·24, conv2 2·5·5·20·50·8·8, dense 2·800·500, output 2·500·10
    assertThat(FlopCounter.total(conf(Architecture.LENET_BN), MNIST))
        .isEqualTo(576_000L + 3_200_000L + 800_000L + 10_000L);
  }

  @Test
  void countsCompactBn() {
    assertThat(FlopCounter.total(conf(Architecture.COMPACT_BN), MNIST))
        .isEqualTo(460_800L + 1_638_400L + 131_072L + 2_560L);
  }

  @Test
  void givesBatchNormActivationAndPoolingLayersNoFlops() {
    List<FlopCounter.LayerFlops> layers = FlopCounter.perLayer(conf(Architecture.LENET_BN), MNIST);
    assertThat(layers)
        .extracting(FlopCounter.LayerFlops::kind, FlopCounter.LayerFlops::flops)
        .startsWith(
            tuple("ConvolutionLayer", 576_000L),
            tuple("BatchNormalization", 0L),
            tuple("ActivationLayer", 0L),
            tuple("SubsamplingLayer", 0L));
    assertThat(layers.get(0).output()).isEqualTo("24x24x20");
  }

  @Test
  void countsDepthwiseAndSeparableConvolutionsByTheirParts() {
    MultiLayerConfiguration conf =
        new NeuralNetConfiguration.Builder()
            .list()
            // 24x24x2: 2·5·5·1·2·576
            .layer(new DepthwiseConvolution2D.Builder(5, 5).depthMultiplier(2).build())
            // 22x22x8: depthwise 2·3·3·2·1·484 + pointwise 2·2·1·8·484
            .layer(new SeparableConvolution2D.Builder(3, 3).nOut(8).build())
            .layer(
                new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                    .nOut(10)
                    .activation(Activation.SOFTMAX)
                    .build())
            .setInputType(MNIST)
            .build();
    assertThat(FlopCounter.total(conf, MNIST))
        .isEqualTo(2L * 25 * 2 * 576 + (2L * 9 * 2 * 484 + 2L * 2 * 8 * 484) + 2L * 3872 * 10);
  }
}
