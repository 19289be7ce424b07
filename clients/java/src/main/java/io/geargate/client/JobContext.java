package io.geargate.client;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** One assigned job, as seen by its {@link JobHandler}. */
public interface JobContext {
  String handle();

  String function();

  String unique();

  byte[] payload();

  default String payloadUtf8() {
    return new String(payload(), StandardCharsets.UTF_8);
  }

  String reducer();

  /** 1 for the first attempt; more after the job was requeued. */
  int attempt();

  /** Streams a WORK_DATA packet to the job's clients. */
  void sendData(byte[] data);

  default void sendData(String data) {
    sendData(data.getBytes(StandardCharsets.UTF_8));
  }

  /** Streams a WORK_WARNING packet to the job's clients. */
  void sendWarning(byte[] warning);

  default void sendWarning(String warning) {
    sendWarning(warning.getBytes(StandardCharsets.UTF_8));
  }

  /** Reports progress (WORK_STATUS). */
  void sendStatus(int numerator, int denominator);

  /** True once the server took the job back; the handler should stop. */
  boolean isCancelled();

  /** "cancelled" or "timeout" once the job was taken back. */
  Optional<String> cancelReason();
}
