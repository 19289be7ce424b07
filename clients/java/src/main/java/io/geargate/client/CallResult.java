package io.geargate.client;

import io.geargate.v1.JobResult;
import io.geargate.v1.Outcome;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The outcome of a foreground job: complete, fail or exception, with the result (or the
 * exception data) and, when collected, the data, warning and status events it streamed.
 * A fail or exception is a normal result, not a thrown error; {@link #orThrow()} turns it into
 * a {@link JobFailedException} for code that prefers exceptions.
 */
public final class CallResult {
  private final String handle;
  private final Outcome outcome;
  private final byte[] data;
  private final List<byte[]> dataEvents;
  private final List<byte[]> warnings;
  private final List<int[]> statusEvents;

  CallResult(String handle, Outcome outcome, byte[] data, List<byte[]> dataEvents,
      List<byte[]> warnings, List<int[]> statusEvents) {
    this.handle = handle;
    this.outcome = outcome;
    this.data = data;
    this.dataEvents = Collections.unmodifiableList(new ArrayList<>(dataEvents));
    this.warnings = Collections.unmodifiableList(new ArrayList<>(warnings));
    this.statusEvents = Collections.unmodifiableList(new ArrayList<>(statusEvents));
  }

  static CallResult fromProto(JobResult r) {
    List<byte[]> data = new ArrayList<>();
    r.getDataEventsList().forEach(b -> data.add(b.toByteArray()));
    List<byte[]> warnings = new ArrayList<>();
    r.getWarningsList().forEach(b -> warnings.add(b.toByteArray()));
    return new CallResult(r.getHandle(), r.getOutcome(), r.getData().toByteArray(), data,
        warnings, List.of());
  }

  public String handle() {
    return handle;
  }

  /** COMPLETE, FAIL or EXCEPTION. */
  public Outcome outcome() {
    return outcome;
  }

  public boolean isComplete() {
    return outcome == Outcome.COMPLETE;
  }

  /** The result of a complete job, the data of an exception, empty for a fail. */
  public byte[] data() {
    return data.clone();
  }

  public String dataUtf8() {
    return new String(data, StandardCharsets.UTF_8);
  }

  /** Every WORK_DATA payload in order (Run always; Call only when events were collected). */
  public List<byte[]> dataEvents() {
    return dataEvents;
  }

  /** Every WORK_WARNING payload in order. */
  public List<byte[]> warnings() {
    return warnings;
  }

  /** Every WORK_STATUS as {numerator, denominator}, in order (Run only). */
  public List<int[]> statusEvents() {
    return statusEvents;
  }

  /** The result of a complete job; throws {@link JobFailedException} on fail or exception. */
  public byte[] orThrow() {
    if (outcome != Outcome.COMPLETE) {
      throw new JobFailedException(this);
    }
    return data();
  }

  @Override
  public String toString() {
    return "CallResult{" + handle + " " + outcome + " " + data.length + " bytes}";
  }
}
