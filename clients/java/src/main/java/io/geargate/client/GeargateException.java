package io.geargate.client;

import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;

/**
 * An RPC to geargate failed. Keeps the gRPC status code ({@link #code()}): for example
 * INVALID_ARGUMENT for a request the server refuses, RESOURCE_EXHAUSTED for a full queue,
 * UNAVAILABLE when the server is unreachable or draining, DEADLINE_EXCEEDED when a timeout
 * passed. A job that fails is not an RPC error: see {@link CallResult} and
 * {@link JobFailedException}.
 */
public class GeargateException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final Status.Code code;

  public GeargateException(Status.Code code, String message, Throwable cause) {
    super(code + ": " + message, cause);
    this.code = code;
  }

  /** The gRPC status code of the failure. */
  public Status.Code code() {
    return code;
  }

  /** Wraps any throwable from gRPC; keeps a GeargateException as it is. */
  public static GeargateException from(Throwable error) {
    if (error instanceof GeargateException) {
      return (GeargateException) error;
    }
    Status status = Status.fromThrowable(error);
    String description = status.getDescription();
    if (description == null) {
      description = error instanceof StatusRuntimeException || error instanceof StatusException
          ? status.getCode().name()
          : String.valueOf(error);
    }
    return new GeargateException(status.getCode(), description, error);
  }
}
