package io.geargate.client;

/**
 * Receives the events of a foreground job as they arrive (see
 * {@link GeargateClient#run(JobRequest, RunListener)}). Every method has an empty default, so
 * implement only the ones you need. Called on a gRPC thread: do not block in them.
 */
public interface RunListener {
  /** The job was accepted; coalesced is true when it joined an existing job. */
  default void onCreated(String handle, boolean coalesced) {}

  default void onData(byte[] data) {}

  default void onWarning(byte[] warning) {}

  default void onStatus(int numerator, int denominator) {}

  /** A listener that ignores everything. */
  RunListener NONE = new RunListener() {};
}
