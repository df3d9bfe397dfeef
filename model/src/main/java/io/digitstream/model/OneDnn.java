package io.digitstream.model;

import java.util.Locale;
import org.nd4j.nativeblas.NativeOpsHolder;

/** Whether the nd4j-native build on the class path hands convolutions to oneDNN. */
final class OneDnn {
  private static final boolean AVAILABLE = detect();

  private OneDnn() {}

  static boolean available() {
    return AVAILABLE;
  }

  private static boolean detect() {
    try {
      String info = NativeOpsHolder.getInstance().getDeviceNativeOps().buildInfo();
      return info != null && info.toLowerCase(Locale.ROOT).matches("(?s).*(onednn|mkldnn|dnnl).*");
    } catch (RuntimeException | LinkageError e) {
      return false;
    }
  }
}
