package io.geargate.client;

import io.geargate.v1.Outcome;
import java.nio.charset.StandardCharsets;

/**
 * Thrown by {@link CallResult#orThrow()} when a job ended with a fail (WORK_FAIL) or an
 * exception (WORK_EXCEPTION) outcome. {@link #outcome()} says which; {@link #data()} holds the
 * exception data (empty for a fail).
 */
public class JobFailedException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final transient CallResult result;

  public JobFailedException(CallResult result) {
    super(message(result));
    this.result = result;
  }

  private static String message(CallResult result) {
    if (result.outcome() == Outcome.EXCEPTION) {
      return "job " + result.handle() + " raised: "
          + new String(result.data(), StandardCharsets.UTF_8);
    }
    return "job " + result.handle() + " failed";
  }

  public Outcome outcome() {
    return result.outcome();
  }

  public byte[] data() {
    return result.data();
  }

  public CallResult result() {
    return result;
  }

  /** True for an exception outcome, false for a plain fail. */
  public boolean isException() {
    return result.outcome() == Outcome.EXCEPTION;
  }
}
