package io.geargate.client;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.geargate.client.internal.Rpc;
import io.geargate.v1.JobStatus;
import io.geargate.v1.Outcome;
import io.geargate.v1.WorkerInfo;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClientWorkerTest {
  private static GeargateServer server;
  private static GeargateClient client;
  private static final AtomicInteger SEQ = new AtomicInteger();

  @BeforeAll
  static void startServer() throws Exception {
    server = GeargateServer.start();
    client = GeargateClient.builder().target(server.target()).timeout(Duration.ofSeconds(20))
        .build();
  }

  @AfterAll
  static void stopServer() throws Exception {
    if (client != null) {
      client.close();
    }
    if (server != null) {
      server.close();
    }
  }

  /** A function name no other test uses. */
  private static String fn(String base) {
    return base + "_" + SEQ.incrementAndGet();
  }

  private static GeargateWorker.Builder worker() {
    return GeargateWorker.builder().target(server.target());
  }

  private static GeargateWorker started(GeargateWorker w) throws InterruptedException {
    w.start();
    assertTrue(w.awaitReady(Duration.ofSeconds(10)), "worker registered");
    return w;
  }

  @Test
  void descriptorsMatchTheProto() {
    Rpc.check();
    assertEquals("geargate.v1.JobService/Call", Rpc.CALL.getFullMethodName());
    assertEquals(io.grpc.MethodDescriptor.MethodType.BIDI_STREAMING, Rpc.WORK.getType());
  }

  @Test
  void callCompletesWithCollectedEvents() throws Exception {
    String f = fn("rev");
    try (GeargateWorker w = started(worker().handle(f, job -> {
      job.sendData("part");
      job.sendWarning("careful");
      job.sendStatus(1, 2);
      return new StringBuilder(job.payloadUtf8()).reverse().toString().getBytes(UTF_8);
    }).build())) {
      CallResult r = client.call(JobRequest.of(f, "hello"), true);
      assertEquals(Outcome.COMPLETE, r.outcome());
      assertEquals("olleh", r.dataUtf8());
      assertEquals("olleh", new String(r.orThrow(), UTF_8));
      assertEquals(1, r.dataEvents().size());
      assertEquals("part", new String(r.dataEvents().get(0), UTF_8));
      assertEquals("careful", new String(r.warnings().get(0), UTF_8));
      assertTrue(r.handle().startsWith("H:"), r.handle());
    }
  }

  @Test
  void failAndExceptionAreOutcomes() throws Exception {
    String fail = fn("fail");
    String boom = fn("boom");
    try (GeargateWorker w = started(worker()
        .handle(fail, job -> {
          throw new JobFailure("nope");
        })
        .handle(boom, job -> {
          throw new IllegalArgumentException("boom");
        }).build())) {
      CallResult failed = client.call(fail, new byte[0]);
      assertEquals(Outcome.FAIL, failed.outcome());
      assertEquals(0, failed.data().length);
      JobFailedException e1 = assertThrows(JobFailedException.class, failed::orThrow);
      assertFalse(e1.isException());

      CallResult raised = client.call(boom, new byte[0]);
      assertEquals(Outcome.EXCEPTION, raised.outcome());
      assertEquals("boom", raised.dataUtf8());
      JobFailedException e2 = assertThrows(JobFailedException.class, raised::orThrow);
      assertTrue(e2.isException());
      assertEquals("boom", new String(e2.data(), UTF_8));
    }
  }

  @Test
  void runStreamsEveryEventInOrder() throws Exception {
    String f = fn("progress");
    try (GeargateWorker w = started(worker().handle(f, job -> {
      job.sendData("d1");
      job.sendStatus(1, 2);
      job.sendWarning("w1");
      job.sendData("d2");
      return job.payload();
    }).build())) {
      List<String> seen = Collections.synchronizedList(new ArrayList<>());
      CallResult r = client.run(JobRequest.of(f, "x"), new RunListener() {
        @Override
        public void onCreated(String handle, boolean coalesced) {
          seen.add("created " + coalesced);
        }

        @Override
        public void onData(byte[] data) {
          seen.add("data " + new String(data, UTF_8));
        }

        @Override
        public void onWarning(byte[] warning) {
          seen.add("warning " + new String(warning, UTF_8));
        }

        @Override
        public void onStatus(int numerator, int denominator) {
          seen.add("status " + numerator + "/" + denominator);
        }
      });
      assertEquals(List.of("created false", "data d1", "status 1/2", "warning w1", "data d2"),
          seen);
      assertEquals(Outcome.COMPLETE, r.outcome());
      assertEquals("x", r.dataUtf8());
      assertEquals(1, r.statusEvents().size());
      assertArrayEquals(new int[] {1, 2}, r.statusEvents().get(0));
    }
  }

  @Test
  void binaryMegabyteRoundTripsAsync() throws Exception {
    String f = fn("echo");
    byte[] payload = new byte[1 << 20];
    new Random(7).nextBytes(payload);
    payload[0] = 0;
    payload[payload.length - 1] = 0;
    try (GeargateWorker w = started(worker().handle(f, JobContext::payload).build())) {
      CompletableFuture<CallResult> future = client.callAsync(JobRequest.of(f, payload));
      CallResult r = future.get(20, TimeUnit.SECONDS);
      assertArrayEquals(payload, r.orThrow());
    }
  }

  @Test
  void submitStatusAndUnique() throws Exception {
    String f = fn("held");
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    String unique = "u-" + f;
    String handle = client.submit(JobRequest.of(f, "bg").unique(unique));
    JobStatus queued = client.status(handle);
    assertTrue(queued.getKnown());
    assertFalse(queued.getRunning());
    try (GeargateWorker w = started(worker().handle(f, job -> {
      job.sendStatus(3, 7);
      started.countDown();
      release.await();
      return new byte[0];
    }).build())) {
      assertTrue(started.await(10, TimeUnit.SECONDS));
      JobStatus running = waitFor(() -> client.status(handle), JobStatus::getRunning);
      assertTrue(running.getKnown());
      JobStatus byUnique = waitFor(() -> client.statusByUnique(unique),
          s -> s.getNumerator() == 3);
      assertEquals(handle, byUnique.getHandle());
      assertEquals(7, byUnique.getDenominator());
      release.countDown();
      JobStatus gone = waitFor(() -> client.statusAsync(handle).get(), s -> !s.getKnown());
      assertFalse(gone.getRunning());
    }
  }

  @Test
  void cancelInterruptsTheHandlerAndNeverReports() throws Exception {
    String f = fn("cancel");
    CountDownLatch started = new CountDownLatch(1);
    AtomicReference<String> reason = new AtomicReference<>();
    AtomicReference<JobContext> ctx = new AtomicReference<>();
    CountDownLatch interrupted = new CountDownLatch(1);
    try (GeargateWorker w = started(worker().concurrency(1).handle(f, job -> {
      if (job.payloadUtf8().equals("second")) {
        return "second done".getBytes(UTF_8);
      }
      ctx.set(job);
      started.countDown();
      try {
        Thread.sleep(60_000);
      } catch (InterruptedException e) {
        reason.set(job.cancelReason().orElse("?"));
        interrupted.countDown();
        throw e;
      }
      return "never".getBytes(UTF_8);
    }).build())) {
      CompletableFuture<CallResult> first = client.callAsync(JobRequest.of(f, "first"));
      assertTrue(started.await(10, TimeUnit.SECONDS));
      assertTrue(client.cancel(ctx.get().handle()));
      CallResult r = first.get(10, TimeUnit.SECONDS);
      assertEquals(Outcome.FAIL, r.outcome());
      assertTrue(interrupted.await(10, TimeUnit.SECONDS));
      assertEquals("cancelled", reason.get());
      assertTrue(ctx.get().isCancelled());
      assertFalse(client.cancel(ctx.get().handle()), "already gone");
    }
  }

  @Test
  void creditIsFreedAfterCancel() throws Exception {
    String f = fn("credit");
    CountDownLatch started = new CountDownLatch(1);
    AtomicReference<String> handle = new AtomicReference<>();
    try (GeargateWorker w = started(worker().concurrency(1).handle(f, job -> {
      if (job.payloadUtf8().equals("second")) {
        return "second done".getBytes(UTF_8);
      }
      handle.set(job.handle());
      started.countDown();
      Thread.sleep(60_000);
      return new byte[0];
    }).build())) {
      CompletableFuture<CallResult> first = client.callAsync(JobRequest.of(f, "first"));
      assertTrue(started.await(10, TimeUnit.SECONDS));
      assertTrue(client.cancel(handle.get()));
      assertEquals(Outcome.FAIL, first.get(10, TimeUnit.SECONDS).outcome());
      CallResult second =
          client.call(JobRequest.of(f, "second").timeout(Duration.ofSeconds(10)));
      assertEquals("second done", second.dataUtf8());
    }
  }

  @Test
  void concurrencyIsTheCredit() throws Exception {
    String f = fn("para");
    CountDownLatch allIn = new CountDownLatch(3);
    try (GeargateWorker w = started(worker().concurrency(3).handle(f, job -> {
      allIn.countDown();
      if (!allIn.await(15, TimeUnit.SECONDS)) {
        throw new IllegalStateException("jobs did not run at once");
      }
      return job.payload();
    }).build())) {
      List<CompletableFuture<CallResult>> calls = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        calls.add(client.callAsync(JobRequest.of(f, "p" + i)));
      }
      for (int i = 0; i < 3; i++) {
        assertEquals("p" + i, new String(calls.get(i).get(20, TimeUnit.SECONDS).orThrow(), UTF_8));
      }
    }
  }

  @Test
  void rpcErrorsKeepTheirStatusCode() throws Exception {
    GeargateException empty = assertThrows(GeargateException.class,
        () -> client.call(JobRequest.of("", "x")));
    assertEquals(Status.Code.INVALID_ARGUMENT, empty.code());

    GeargateException longUnique = assertThrows(GeargateException.class,
        () -> client.submit(JobRequest.of("f", "x").unique("u".repeat(65))));
    assertEquals(Status.Code.INVALID_ARGUMENT, longUnique.code());

    GeargateException late = assertThrows(GeargateException.class,
        () -> client.call(JobRequest.of(fn("nobody"), "x").timeout(Duration.ofMillis(300))));
    assertEquals(Status.Code.DEADLINE_EXCEEDED, late.code());

    ExecutionException async = assertThrows(ExecutionException.class,
        () -> client.runAsync(JobRequest.of("", "x"), null).get(10, TimeUnit.SECONDS));
    assertEquals(Status.Code.INVALID_ARGUMENT, ((GeargateException) async.getCause()).code());

    int closed = GeargateServer.freePort();
    try (GeargateClient nowhere = GeargateClient.connect("127.0.0.1:" + closed)) {
      GeargateException down = assertThrows(GeargateException.class,
          () -> nowhere.status("H:x:1"));
      assertEquals(Status.Code.UNAVAILABLE, down.code());
    }
  }

  @Test
  void unknownHandleIsNotKnown() {
    JobStatus s = client.status("H:nowhere:42");
    assertFalse(s.getKnown());
    assertFalse(client.cancel("H:nowhere:42"));
    assertTrue(client.serverVersion().length() > 0);
  }

  @Test
  void gracefulStopLetsRunningJobsFinish() throws Exception {
    String f = fn("graceful");
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    GeargateWorker w = started(worker().workerId("graceful-" + f).handle(f, job -> {
      started.countDown();
      release.await();
      return "finished".getBytes(UTF_8);
    }).build());
    CompletableFuture<CallResult> call = client.callAsync(JobRequest.of(f, "x"));
    assertTrue(started.await(10, TimeUnit.SECONDS));
    CompletableFuture<Boolean> stopped = CompletableFuture.supplyAsync(
        () -> w.stop(Duration.ofSeconds(20)));
    release.countDown();
    assertTrue(stopped.get(30, TimeUnit.SECONDS), "stopped with no job left behind");
    assertEquals("finished", call.get(10, TimeUnit.SECONDS).dataUtf8());
    waitFor(() -> client.workers().getWorkersList(),
        list -> list.stream().map(WorkerInfo::getWorkerId).noneMatch(("graceful-" + f)::equals));
  }

  @Test
  void workerReconnectsWithBackoff() throws Exception {
    int port = GeargateServer.freePort();
    String f = fn("late");
    GeargateWorker w = GeargateWorker.builder().target("127.0.0.1:" + port)
        .backoff(Duration.ofMillis(50), Duration.ofMillis(400))
        .handle(f, job -> "up".getBytes(UTF_8)).build();
    try {
      w.start();
      waitFor(w::connections, n -> n >= 2); // failed attempts while nothing listens
      try (GeargateServer late = GeargateServer.start(port);
          GeargateClient c = GeargateClient.connect(late.target())) {
        assertTrue(w.awaitReady(Duration.ofSeconds(15)));
        assertEquals("up", c.call(JobRequest.of(f, "x").timeout(Duration.ofSeconds(15)))
            .dataUtf8());
        int before = w.connections();
        late.close();
        waitFor(w::connections, n -> n > before); // it noticed the loss and retries
      }
      try (GeargateServer again = GeargateServer.start(port);
          GeargateClient c = GeargateClient.connect(again.target())) {
        assertTrue(w.awaitReady(Duration.ofSeconds(15)));
        assertEquals("up", c.call(JobRequest.of(f, "y").timeout(Duration.ofSeconds(15)))
            .dataUtf8());
      }
    } finally {
      w.stop(Duration.ofSeconds(1));
    }
  }

  interface Poll<T> {
    T get() throws Exception;
  }

  private static <T> T waitFor(Poll<T> poll, java.util.function.Predicate<T> done)
      throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    T last = null;
    while (System.nanoTime() < end) {
      last = poll.get();
      if (done.test(last)) {
        return last;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("condition not reached; last value: " + last);
  }
}
