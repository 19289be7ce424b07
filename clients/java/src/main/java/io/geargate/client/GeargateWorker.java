package io.geargate.client;

import com.google.protobuf.ByteString;
import io.geargate.client.internal.Channels;
import io.geargate.client.internal.Rpc;
import io.geargate.v1.AddCredit;
import io.geargate.v1.Assignment;
import io.geargate.v1.CanDo;
import io.geargate.v1.Pong;
import io.geargate.v1.Register;
import io.geargate.v1.WorkData;
import io.geargate.v1.WorkFail;
import io.geargate.v1.WorkStatus;
import io.geargate.v1.WorkerCommand;
import io.geargate.v1.WorkerInfo;
import io.geargate.v1.WorkerMessage;
import io.grpc.CallOptions;
import io.grpc.ChannelCredentials;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A geargate worker over one gRPC Work stream. Register handlers with
 * {@link Builder#handle(String, JobHandler)}, then {@link #start()} (returns at once) or
 * {@link #run()} (blocks until {@link #stop(Duration)}). The worker holds at most
 * {@code concurrency} jobs at once (its credit) and runs them on its executor. When the
 * stream breaks or the server cannot be reached it reconnects with exponential backoff and
 * jitter; jobs it held are requeued by the server and their late reports are dropped.
 *
 * <pre>{@code
 * GeargateWorker worker = GeargateWorker.builder().target("localhost:50051")
 *     .handle("title", job -> String.valueOf(job.payload().length).getBytes())
 *     .build();
 * worker.run();
 * }</pre>
 */
public final class GeargateWorker implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(GeargateWorker.class.getName());

  private final ManagedChannel channel;
  private final boolean ownsChannel;
  private final String workerId;
  private final int concurrency;
  private final ExecutorService executor;
  private final boolean ownsExecutor;
  private final Duration backoffInitial;
  private final Duration backoffMax;
  private final Map<String, Registered> handlers;
  private final Map<String, Running> running = new ConcurrentHashMap<>();
  private final Object lock = new Object();
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final AtomicInteger connections = new AtomicInteger();
  private volatile boolean stopping;
  private volatile Stream current;
  private Thread connector;

  private static final class Registered {
    final JobHandler handler;
    final Duration timeout;

    Registered(JobHandler handler, Duration timeout) {
      this.handler = handler;
      this.timeout = timeout;
    }
  }

  private GeargateWorker(Builder b) {
    Rpc.check();
    if (b.handlers.isEmpty()) {
      throw new IllegalArgumentException("register at least one handler");
    }
    if (b.channel != null) {
      channel = b.channel;
      ownsChannel = false;
    } else {
      channel = Channels.open(b.target, b.credentials, b.channelTweak);
      ownsChannel = true;
    }
    workerId = b.workerId != null ? b.workerId : "java-" + UUID.randomUUID();
    concurrency = b.concurrency;
    if (b.executor != null) {
      executor = b.executor;
      ownsExecutor = false;
    } else {
      AtomicInteger n = new AtomicInteger();
      executor = Executors.newFixedThreadPool(concurrency, r -> {
        Thread t = new Thread(r, "geargate-job-" + n.incrementAndGet());
        t.setDaemon(true);
        return t;
      });
      ownsExecutor = true;
    }
    backoffInitial = b.backoffInitial;
    backoffMax = b.backoffMax;
    handlers = new LinkedHashMap<>(b.handlers);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Options of a worker. */
  public static final class Builder {
    private String target = GeargateClient.DEFAULT_TARGET;
    private ChannelCredentials credentials;
    private ManagedChannel channel;
    private Consumer<ManagedChannelBuilder<?>> channelTweak;
    private String workerId;
    private int concurrency = 1;
    private ExecutorService executor;
    private Duration backoffInitial = Duration.ofMillis(100);
    private Duration backoffMax = Duration.ofSeconds(5);
    private final Map<String, Registered> handlers = new LinkedHashMap<>();

    private Builder() {}

    public Builder target(String target) {
      this.target = Objects.requireNonNull(target);
      return this;
    }

    /** Channel credentials (TLS, mTLS...); plaintext by default. */
    public Builder credentials(ChannelCredentials credentials) {
      this.credentials = credentials;
      return this;
    }

    /** Use this channel; the worker will not shut it down. */
    public Builder channel(ManagedChannel channel) {
      this.channel = channel;
      return this;
    }

    public Builder configureChannel(Consumer<ManagedChannelBuilder<?>> tweak) {
      this.channelTweak = tweak;
      return this;
    }

    /** Shown by the admin `workers` command; a random one by default. */
    public Builder workerId(String workerId) {
      this.workerId = workerId;
      return this;
    }

    /** How many jobs the worker holds and runs at once (its credit); default 1. */
    public Builder concurrency(int concurrency) {
      if (concurrency < 1) {
        throw new IllegalArgumentException("concurrency must be at least 1");
      }
      this.concurrency = concurrency;
      return this;
    }

    /**
     * Runs the handlers; default: a fixed pool of {@code concurrency} daemon threads, shut
     * down on stop. A given executor is not shut down.
     */
    public Builder executor(ExecutorService executor) {
      this.executor = executor;
      return this;
    }

    /** Reconnect delays: doubling from initial up to max, with jitter. */
    public Builder backoff(Duration initial, Duration max) {
      this.backoffInitial = initial;
      this.backoffMax = max;
      return this;
    }

    public Builder handle(String function, JobHandler handler) {
      return handle(function, Duration.ZERO, handler);
    }

    /** A job held longer than timeout is taken back by the server (CAN_DO_TIMEOUT). */
    public Builder handle(String function, Duration timeout, JobHandler handler) {
      handlers.put(Objects.requireNonNull(function), new Registered(handler, timeout));
      return this;
    }

    public GeargateWorker build() {
      return new GeargateWorker(this);
    }
  }

  public String workerId() {
    return workerId;
  }

  /** How many Work streams this worker opened so far (1 + reconnects). */
  public int connections() {
    return connections.get();
  }

  /** Connects and starts taking jobs in the background; returns at once. */
  public void start() {
    synchronized (lock) {
      if (connector != null) {
        return;
      }
      connector = new Thread(this::connectLoop, "geargate-worker-" + workerId);
      connector.setDaemon(true);
      connector.start();
    }
  }

  /** Starts (if needed) and blocks until the worker is stopped. */
  public void run() throws InterruptedException {
    start();
    stopped.await();
  }

  /**
   * Waits until the server lists this worker with all its functions (AdminService.Workers).
   * Returns false if that did not happen within the timeout.
   */
  public boolean awaitReady(Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    GeargateClient admin = GeargateClient.builder().channel(channel).build();
    while (System.nanoTime() < end) {
      try {
        for (WorkerInfo w : admin.workers().getWorkersList()) {
          if (w.getWorkerId().equals(workerId) && w.getTransport().equals("grpc")
              && w.getFunctionsList().containsAll(handlers.keySet())) {
            return true;
          }
        }
      } catch (GeargateException e) {
        // not reachable yet
      }
      Thread.sleep(20);
    }
    return false;
  }

  private void connectLoop() {
    long delay = backoffInitial.toMillis();
    while (!stopping) {
      Stream stream = new Stream();
      current = stream;
      long began = System.nanoTime();
      connections.incrementAndGet();
      stream.open();
      try {
        stream.ended.await();
      } catch (InterruptedException e) {
        break;
      }
      if (stopping) {
        break;
      }
      boolean healthy = stream.heard
          || System.nanoTime() - began > TimeUnit.SECONDS.toNanos(5);
      if (healthy) {
        delay = backoffInitial.toMillis();
      }
      long sleep = delay / 2 + ThreadLocalRandom.current().nextLong(delay / 2 + 1);
      LOG.log(healthy ? Level.INFO : Level.DEBUG,
          "geargate worker stream ended ({0}); reconnecting in {1} ms", stream.endReason, sleep);
      try {
        synchronized (lock) {
          if (!stopping) {
            lock.wait(Math.max(sleep, 1));
          }
        }
      } catch (InterruptedException e) {
        break;
      }
      delay = Math.min(delay * 2, backoffMax.toMillis());
    }
  }

  /** One Work stream; a new one per (re)connection. */
  private final class Stream implements StreamObserver<WorkerCommand> {
    final CountDownLatch ended = new CountDownLatch(1);
    volatile boolean heard;
    volatile String endReason = "";
    private StreamObserver<WorkerMessage> out;
    private boolean closed;

    void open() {
      ClientCall<WorkerMessage, WorkerCommand> call =
          channel.newCall(Rpc.WORK, CallOptions.DEFAULT);
      Register.Builder reg = Register.newBuilder()
          .setWorkerId(workerId)
          .setConcurrency(concurrency);
      handlers.forEach((fn, r) -> reg.addFunctions(CanDo.newBuilder()
          .setFunction(fn)
          .setTimeoutMs((int) Math.min(r.timeout.toMillis(), Integer.MAX_VALUE))));
      synchronized (this) {
        out = ClientCalls.asyncBidiStreamingCall(call, this);
        out.onNext(WorkerMessage.newBuilder().setRegister(reg).build());
      }
    }

    synchronized void send(WorkerMessage message) {
      if (closed) {
        return;
      }
      try {
        out.onNext(message);
      } catch (RuntimeException e) {
        LOG.log(Level.DEBUG, "send on a closed Work stream", e);
      }
    }

    synchronized void halfClose() {
      if (!closed) {
        closed = true;
        try {
          out.onCompleted();
        } catch (RuntimeException e) {
          LOG.log(Level.DEBUG, "closing the Work stream", e);
        }
      }
    }

    synchronized void abort(String why) {
      if (!closed) {
        closed = true;
        try {
          out.onError(new RuntimeException(why));
        } catch (RuntimeException e) {
          LOG.log(Level.DEBUG, "aborting the Work stream", e);
        }
      }
    }

    @Override
    public void onNext(WorkerCommand command) {
      heard = true;
      switch (command.getKindCase()) {
        case ASSIGN:
          assign(this, command.getAssign());
          break;
        case PING:
          send(WorkerMessage.newBuilder()
              .setPong(Pong.newBuilder().setNonce(command.getPing().getNonce()))
              .build());
          break;
        case CANCEL:
          Running job = running.remove(command.getCancel().getHandle());
          if (job != null && job.stream == this) {
            job.cancel(command.getCancel().getReason());
          }
          break;
        case REJECTED:
          LOG.log(Level.DEBUG, "report rejected for {0}: {1}",
              command.getRejected().getHandle(), command.getRejected().getReason());
          break;
        default:
          break;
      }
    }

    @Override
    public void onError(Throwable t) {
      end(GeargateException.from(t).getMessage());
    }

    @Override
    public void onCompleted() {
      end("closed by the server");
    }

    private void end(String reason) {
      synchronized (this) {
        closed = true;
      }
      endReason = reason;
      // The server requeues every job this stream held: stop them, never report them.
      running.values().removeIf(job -> {
        if (job.stream == this) {
          job.cancel("disconnected");
          return true;
        }
        return false;
      });
      ended.countDown();
      synchronized (lock) {
        lock.notifyAll();
      }
    }
  }

  private void assign(Stream stream, Assignment a) {
    Running job = new Running(stream, a);
    running.put(a.getHandle(), job);
    try {
      job.future = executor.submit(job::execute);
    } catch (RuntimeException rejected) {
      running.remove(a.getHandle());
      stream.send(WorkerMessage.newBuilder()
          .setFail(WorkFail.newBuilder().setHandle(a.getHandle())).build());
    }
  }

  /** One job being run. */
  private final class Running implements JobContext {
    final Stream stream;
    final Assignment assignment;
    volatile Future<?> future;
    private volatile String cancelReason;

    Running(Stream stream, Assignment assignment) {
      this.stream = stream;
      this.assignment = assignment;
    }

    void cancel(String reason) {
      cancelReason = reason;
      Future<?> f = future;
      if (f != null) {
        f.cancel(true);
      }
    }

    void execute() {
      String handle = assignment.getHandle();
      WorkerMessage.Builder report = WorkerMessage.newBuilder();
      try {
        Registered r = handlers.get(assignment.getFunction());
        if (r == null) {
          throw new JobFailure("no handler for " + assignment.getFunction());
        }
        byte[] result = r.handler.handle(this);
        report.setComplete(WorkData.newBuilder().setHandle(handle)
            .setData(ByteString.copyFrom(result == null ? new byte[0] : result)));
      } catch (JobFailure f) {
        report.setFail(WorkFail.newBuilder().setHandle(handle));
      } catch (Throwable t) {
        String message = t.getMessage() != null ? t.getMessage() : t.getClass().getName();
        report.setException(WorkData.newBuilder().setHandle(handle)
            .setData(ByteString.copyFrom(message, StandardCharsets.UTF_8)));
      }
      // Report before leaving `running`, so a graceful stop waiting for `running` to empty
      // cannot close the stream between the two.
      if (cancelReason == null && running.get(handle) == this) {
        stream.send(report.build());
      }
      running.remove(handle, this);
      Thread.interrupted(); // leave no interrupt behind on a pool thread
      synchronized (lock) {
        lock.notifyAll();
      }
    }

    private void sendIfLive(WorkerMessage m) {
      if (cancelReason == null) {
        stream.send(m);
      }
    }

    @Override
    public String handle() {
      return assignment.getHandle();
    }

    @Override
    public String function() {
      return assignment.getFunction();
    }

    @Override
    public String unique() {
      return assignment.getUnique();
    }

    @Override
    public byte[] payload() {
      return assignment.getPayload().toByteArray();
    }

    @Override
    public String reducer() {
      return assignment.getReducer();
    }

    @Override
    public int attempt() {
      return assignment.getAttempt();
    }

    @Override
    public void sendData(byte[] data) {
      sendIfLive(WorkerMessage.newBuilder().setData(WorkData.newBuilder()
          .setHandle(handle()).setData(ByteString.copyFrom(data))).build());
    }

    @Override
    public void sendWarning(byte[] warning) {
      sendIfLive(WorkerMessage.newBuilder().setWarning(WorkData.newBuilder()
          .setHandle(handle()).setData(ByteString.copyFrom(warning))).build());
    }

    @Override
    public void sendStatus(int numerator, int denominator) {
      sendIfLive(WorkerMessage.newBuilder().setStatus(WorkStatus.newBuilder()
          .setHandle(handle()).setNumerator(numerator).setDenominator(denominator)).build());
    }

    @Override
    public boolean isCancelled() {
      return cancelReason != null;
    }

    @Override
    public Optional<String> cancelReason() {
      return Optional.ofNullable(cancelReason);
    }
  }

  /** How many jobs the worker is running now. */
  public int activeJobs() {
    return running.size();
  }

  /**
   * Stops gracefully: takes no new job, lets the running ones finish and report for up to
   * {@code grace}, then interrupts what is left (the server requeues those jobs), closes the
   * stream and releases the channel and executor this worker owns. Returns true if every
   * running job finished within the grace period.
   */
  public boolean stop(Duration grace) {
    Stream stream;
    synchronized (lock) {
      if (stopping) {
        return running.isEmpty();
      }
      stopping = true;
      lock.notifyAll();
      stream = current;
    }
    if (stream != null) {
      stream.send(WorkerMessage.newBuilder()
          .setAddCredit(AddCredit.newBuilder().setDelta(-concurrency)).build());
    }
    long end = System.nanoTime() + grace.toNanos();
    boolean clean = true;
    synchronized (lock) {
      while (!running.isEmpty()) {
        long left = end - System.nanoTime();
        if (left <= 0) {
          clean = false;
          break;
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(lock, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          clean = false;
          break;
        }
      }
    }
    List<Running> left = new ArrayList<>(running.values());
    running.clear();
    for (Running job : left) {
      job.cancel("stopped");
    }
    if (stream != null) {
      stream.halfClose();
      try {
        if (!stream.ended.await(2, TimeUnit.SECONDS)) {
          stream.abort("worker stopped");
        }
      } catch (InterruptedException e) {
        stream.abort("worker stopped");
        Thread.currentThread().interrupt();
      }
    }
    if (connector != null) {
      connector.interrupt();
    }
    if (ownsExecutor) {
      executor.shutdownNow();
    }
    if (ownsChannel) {
      channel.shutdown();
      try {
        if (!channel.awaitTermination(2, TimeUnit.SECONDS)) {
          channel.shutdownNow();
        }
      } catch (InterruptedException e) {
        channel.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
    stopped.countDown();
    return clean;
  }

  /** Same as {@code stop(Duration.ofSeconds(10))}. */
  @Override
  public void close() {
    stop(Duration.ofSeconds(10));
  }
}
