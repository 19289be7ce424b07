package io.geargate.client;

import io.geargate.client.internal.Channels;
import io.geargate.client.internal.Rpc;
import io.geargate.v1.CancelReply;
import io.geargate.v1.CancelRequest;
import io.geargate.v1.JobEvent;
import io.geargate.v1.JobResult;
import io.geargate.v1.JobStatus;
import io.geargate.v1.Outcome;
import io.geargate.v1.StatusRequest;
import io.geargate.v1.SubmitReply;
import io.geargate.v1.SubmitRequest;
import io.geargate.v1.VersionQuery;
import io.geargate.v1.WorkerList;
import io.geargate.v1.WorkersQuery;
import io.grpc.CallOptions;
import io.grpc.ChannelCredentials;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Submits jobs to geargate over gRPC. Thread-safe; share one instance. Every operation has a
 * blocking form and an async form returning a {@link CompletableFuture}; RPC failures raise
 * (or complete the future with) {@link GeargateException}, which keeps the gRPC status code.
 *
 * <pre>{@code
 * try (GeargateClient client = GeargateClient.connect("localhost:50051")) {
 *   CallResult r = client.call(JobRequest.of("title", "Linvo"));
 *   System.out.println(r.dataUtf8());
 * }
 * }</pre>
 */
public final class GeargateClient implements AutoCloseable {
  /** The address used when none is given. */
  public static final String DEFAULT_TARGET = "localhost:50051";

  private final ManagedChannel channel;
  private final boolean ownsChannel;
  private final Duration defaultTimeout;

  private GeargateClient(Builder b) {
    Rpc.check();
    if (b.channel != null) {
      this.channel = b.channel;
      this.ownsChannel = false;
    } else {
      this.channel = Channels.open(b.target, b.credentials, b.channelTweak);
      this.ownsChannel = true;
    }
    this.defaultTimeout = b.timeout;
  }

  /** A plaintext client for this address ("host:port" or any gRPC target). */
  public static GeargateClient connect(String target) {
    return builder().target(target).build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Options of a client. */
  public static final class Builder {
    private String target = DEFAULT_TARGET;
    private ChannelCredentials credentials;
    private ManagedChannel channel;
    private Duration timeout;
    private Consumer<ManagedChannelBuilder<?>> channelTweak;

    private Builder() {}

    /** "host:port" or any gRPC target; default localhost:50051. */
    public Builder target(String target) {
      this.target = Objects.requireNonNull(target);
      return this;
    }

    /**
     * Channel credentials, e.g. {@code TlsChannelCredentials.create()} or one built with
     * client certificates. Default: plaintext.
     */
    public Builder credentials(ChannelCredentials credentials) {
      this.credentials = credentials;
      return this;
    }

    /** Use this channel instead of opening one; the client will not shut it down. */
    public Builder channel(ManagedChannel channel) {
      this.channel = channel;
      return this;
    }

    /** Default deadline of every RPC (none by default); a JobRequest's timeout wins. */
    public Builder timeout(Duration timeout) {
      this.timeout = timeout;
      return this;
    }

    /** A hook to set more channel options (keepalive, interceptors, user agent...). */
    public Builder configureChannel(Consumer<ManagedChannelBuilder<?>> tweak) {
      this.channelTweak = tweak;
      return this;
    }

    public GeargateClient build() {
      return new GeargateClient(this);
    }
  }

  // ------------------------------------------------------------------ call

  /** Runs a job in the foreground and waits for its outcome (fail/exception are outcomes). */
  public CallResult call(JobRequest request) {
    return call(request, false);
  }

  public CallResult call(String function, byte[] payload) {
    return call(JobRequest.of(function, payload));
  }

  /** Like {@link #call(JobRequest)}; with collectEvents the data and warnings come back too. */
  public CallResult call(JobRequest request, boolean collectEvents) {
    JobResult r = blocking(Rpc.CALL, request.toProto(collectEvents), request.timeout());
    return CallResult.fromProto(r);
  }

  public CompletableFuture<CallResult> callAsync(JobRequest request) {
    return callAsync(request, false);
  }

  /** Cancelling the future detaches this client from the job, as a disconnect would. */
  public CompletableFuture<CallResult> callAsync(JobRequest request, boolean collectEvents) {
    return unary(Rpc.CALL, request.toProto(collectEvents), request.timeout(),
        CallResult::fromProto);
  }

  // ------------------------------------------------------------------ submit

  /** Queues a background job; returns its handle. */
  public String submit(JobRequest request) {
    return blocking(Rpc.SUBMIT, request.toProto(false), request.timeout()).getHandle();
  }

  public String submit(String function, byte[] payload) {
    return submit(JobRequest.of(function, payload));
  }

  public CompletableFuture<String> submitAsync(JobRequest request) {
    return unary(Rpc.SUBMIT, request.toProto(false), request.timeout(), SubmitReply::getHandle);
  }

  // ------------------------------------------------------------------ run

  /**
   * Runs a job in the foreground, handing each event to the listener as it arrives, and
   * waits for the outcome. The result also holds every data, warning and status event.
   */
  public CallResult run(JobRequest request, RunListener listener) {
    CompletableFuture<CallResult> future = runAsync(request, listener);
    try {
      return future.get();
    } catch (InterruptedException e) {
      future.cancel(true);
      Thread.currentThread().interrupt();
      throw new GeargateException(Status.Code.CANCELLED, "interrupted", e);
    } catch (ExecutionException e) {
      throw GeargateException.from(e.getCause());
    }
  }

  /**
   * Async form of {@link #run}. Cancelling the returned future cancels the stream, which
   * detaches this client from the job.
   */
  public CompletableFuture<CallResult> runAsync(JobRequest request, RunListener listener) {
    RunListener l = listener != null ? listener : RunListener.NONE;
    ClientCall<SubmitRequest, JobEvent> call =
        channel.newCall(Rpc.RUN, options(request.timeout()));
    CompletableFuture<CallResult> future = new CompletableFuture<>();
    future.whenComplete((r, e) -> {
      if (e instanceof CancellationException) {
        call.cancel("cancelled by the client", null);
      }
    });
    ClientCalls.asyncServerStreamingCall(call, request.toProto(false),
        new StreamObserver<JobEvent>() {
          private String handle = "";
          private final List<byte[]> data = new ArrayList<>();
          private final List<byte[]> warnings = new ArrayList<>();
          private final List<int[]> status = new ArrayList<>();
          private boolean done;

          @Override
          public void onNext(JobEvent ev) {
            if (!ev.getHandle().isEmpty()) {
              handle = ev.getHandle();
            }
            try {
              switch (ev.getEventCase()) {
                case CREATED:
                  l.onCreated(ev.getHandle(), ev.getCreated().getCoalesced());
                  break;
                case DATA:
                  data.add(ev.getData().toByteArray());
                  l.onData(ev.getData().toByteArray());
                  break;
                case WARNING:
                  warnings.add(ev.getWarning().toByteArray());
                  l.onWarning(ev.getWarning().toByteArray());
                  break;
                case STATUS:
                  int num = ev.getStatus().getNumerator();
                  int den = ev.getStatus().getDenominator();
                  status.add(new int[] {num, den});
                  l.onStatus(num, den);
                  break;
                case COMPLETE:
                  finish(Outcome.COMPLETE, ev.getComplete().toByteArray());
                  break;
                case FAIL:
                  finish(Outcome.FAIL, new byte[0]);
                  break;
                case EXCEPTION:
                  finish(Outcome.EXCEPTION, ev.getException().toByteArray());
                  break;
                case ERROR:
                  done = true;
                  future.completeExceptionally(new GeargateException(Status.Code.UNKNOWN,
                      ev.getError().getCode() + " " + ev.getError().getMessage(), null));
                  break;
                default:
                  break;
              }
            } catch (RuntimeException listenerError) {
              done = true;
              future.completeExceptionally(listenerError);
              call.cancel("the listener threw", listenerError);
            }
          }

          private void finish(Outcome outcome, byte[] result) {
            done = true;
            future.complete(new CallResult(handle, outcome, result, data, warnings, status));
          }

          @Override
          public void onError(Throwable t) {
            future.completeExceptionally(GeargateException.from(t));
          }

          @Override
          public void onCompleted() {
            if (!done) {
              future.completeExceptionally(new GeargateException(Status.Code.INTERNAL,
                  "the Run stream ended without a terminal event", null));
            }
          }
        });
    return future;
  }

  // ------------------------------------------------------------------ status & cancel

  /** The status of a job by handle (known=false when the server has no such job). */
  public JobStatus status(String handle) {
    return blocking(Rpc.GET_STATUS, StatusRequest.newBuilder().setHandle(handle).build(), null);
  }

  /** The status of a job by unique, looked up across every function. */
  public JobStatus statusByUnique(String unique) {
    return blocking(Rpc.GET_STATUS, StatusRequest.newBuilder().setUnique(unique).build(), null);
  }

  public CompletableFuture<JobStatus> statusAsync(String handle) {
    return unary(Rpc.GET_STATUS, StatusRequest.newBuilder().setHandle(handle).build(), null,
        Function.identity());
  }

  /** Cancels a job like admin `cancel job`; false when no job has that handle. */
  public boolean cancel(String handle) {
    return blocking(Rpc.CANCEL, CancelRequest.newBuilder().setHandle(handle).build(), null)
        .getCancelled();
  }

  public CompletableFuture<Boolean> cancelAsync(String handle) {
    return unary(Rpc.CANCEL, CancelRequest.newBuilder().setHandle(handle).build(), null,
        CancelReply::getCancelled);
  }

  // ------------------------------------------------------------------ admin

  /** The server's version (AdminService.Version). */
  public String serverVersion() {
    return blocking(Rpc.VERSION, VersionQuery.getDefaultInstance(), null).getVersion();
  }

  /** Every worker connected to the server, whatever its transport. */
  public WorkerList workers() {
    return blocking(Rpc.WORKERS, WorkersQuery.getDefaultInstance(), null);
  }

  // ------------------------------------------------------------------ plumbing

  ManagedChannel channel() {
    return channel;
  }

  private CallOptions options(Duration timeout) {
    Duration t = timeout != null ? timeout : defaultTimeout;
    CallOptions o = CallOptions.DEFAULT;
    if (t != null) {
      o = o.withDeadlineAfter(t.toNanos(), TimeUnit.NANOSECONDS);
    }
    return o;
  }

  private <Q, R> R blocking(MethodDescriptor<Q, R> method, Q request, Duration timeout) {
    try {
      return ClientCalls.blockingUnaryCall(channel, method, options(timeout), request);
    } catch (StatusRuntimeException e) {
      throw GeargateException.from(e);
    }
  }

  private <Q, R, T> CompletableFuture<T> unary(
      MethodDescriptor<Q, R> method, Q request, Duration timeout, Function<R, T> convert) {
    ClientCall<Q, R> call = channel.newCall(method, options(timeout));
    CompletableFuture<T> future = new CompletableFuture<>();
    future.whenComplete((r, e) -> {
      if (e instanceof CancellationException) {
        call.cancel("cancelled by the client", null);
      }
    });
    ClientCalls.asyncUnaryCall(call, request, new StreamObserver<R>() {
      @Override
      public void onNext(R value) {
        try {
          future.complete(convert.apply(value));
        } catch (RuntimeException e) {
          future.completeExceptionally(new CompletionException(e));
        }
      }

      @Override
      public void onError(Throwable t) {
        future.completeExceptionally(GeargateException.from(t));
      }

      @Override
      public void onCompleted() {}
    });
    return future;
  }

  /** Shuts the channel down (if this client opened it) and waits up to 5 s. */
  @Override
  public void close() {
    if (!ownsChannel) {
      return;
    }
    channel.shutdown();
    try {
      if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
        channel.shutdownNow();
      }
    } catch (InterruptedException e) {
      channel.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
