package io.geargate.client;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import io.geargate.v1.Priority;
import io.geargate.v1.SubmitRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * A job to submit: function, payload and options. Build with {@link #of(String, byte[])} and
 * chain the options:
 *
 * <pre>{@code
 * JobRequest.of("resize", bytes).unique("img-42").priority(Priority.HIGH)
 *     .timeout(Duration.ofSeconds(5));
 * }</pre>
 */
public final class JobRequest {
  private final String function;
  private final ByteString payload;
  private String unique = "";
  private Priority priority = Priority.NORMAL;
  private Instant runAt;
  private String reducer = "";
  private Duration timeout;

  private JobRequest(String function, ByteString payload) {
    this.function = Objects.requireNonNull(function, "function");
    this.payload = Objects.requireNonNull(payload, "payload");
  }

  public static JobRequest of(String function, byte[] payload) {
    return new JobRequest(function, ByteString.copyFrom(payload));
  }

  /** The payload as UTF-8 text. */
  public static JobRequest of(String function, String payload) {
    return new JobRequest(function, ByteString.copyFrom(payload, StandardCharsets.UTF_8));
  }

  /** Coalescing key (at most 64 bytes); "-" coalesces on the payload. */
  public JobRequest unique(String unique) {
    this.unique = Objects.requireNonNull(unique);
    return this;
  }

  public JobRequest priority(Priority priority) {
    this.priority = Objects.requireNonNull(priority);
    return this;
  }

  /** Not before this time (like SUBMIT_JOB_EPOCH). */
  public JobRequest runAt(Instant when) {
    this.runAt = when;
    return this;
  }

  public JobRequest reducer(String reducer) {
    this.reducer = Objects.requireNonNull(reducer);
    return this;
  }

  /**
   * Deadline of the RPC, overriding the client's default. For call and run, reaching it
   * detaches this client from the job (the job itself goes on) and raises DEADLINE_EXCEEDED.
   */
  public JobRequest timeout(Duration timeout) {
    this.timeout = timeout;
    return this;
  }

  public String function() {
    return function;
  }

  public Duration timeout() {
    return timeout;
  }

  SubmitRequest toProto(boolean collectEvents) {
    SubmitRequest.Builder b = SubmitRequest.newBuilder()
        .setFunction(function)
        .setPayload(payload)
        .setUnique(unique)
        .setPriority(priority)
        .setReducer(reducer)
        .setCollectEvents(collectEvents);
    if (runAt != null) {
      b.setRunAt(Timestamp.newBuilder()
          .setSeconds(runAt.getEpochSecond())
          .setNanos(runAt.getNano()));
    }
    return b.build();
  }
}
