package io.geargate.client;

/**
 * Thrown by a {@link JobHandler} to fail its job (WORK_FAIL, no data). Any other exception a
 * handler throws becomes WORK_EXCEPTION carrying the exception's message.
 */
public class JobFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public JobFailure() {
    super("job failed");
  }

  /** The reason is for logs only: WORK_FAIL carries no data. */
  public JobFailure(String reason) {
    super(reason);
  }
}
