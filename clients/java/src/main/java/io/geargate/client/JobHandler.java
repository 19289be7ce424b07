package io.geargate.client;

/**
 * Does the work of one job. Return the result (WORK_COMPLETE); throw {@link JobFailure} to
 * fail the job (WORK_FAIL); throw anything else to report WORK_EXCEPTION with the exception's
 * message as its data. A handler whose job is cancelled is interrupted and its outcome is
 * never reported.
 */
@FunctionalInterface
public interface JobHandler {
  byte[] handle(JobContext job) throws Exception;
}
