package io.geargate.client.interop;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.geargate.client.CallResult;
import io.geargate.client.GeargateClient;
import io.geargate.client.GeargateException;
import io.geargate.client.GeargateWorker;
import io.geargate.client.JobFailure;
import io.geargate.client.JobRequest;
import io.geargate.client.RunListener;
import io.geargate.v1.JobStatus;
import io.grpc.Status;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/**
 * The mixed-language matrix program (see clients/java/README.md):
 *
 * <pre>
 * java -jar target/geargate-client-0.1.0-jar-with-dependencies.jar \
 *     worker --gearman HOST:PORT --grpc HOST:PORT --prefix P
 * java -jar target/geargate-client-0.1.0-jar-with-dependencies.jar \
 *     client --gearman HOST:PORT --grpc HOST:PORT   (cases on stdin, JSON lines)
 * </pre>
 */
public final class Matrix {
  private static final Duration CASE_TIMEOUT = Duration.ofSeconds(30);

  private Matrix() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 1) {
      usage();
    }
    Map<String, String> opts = new HashMap<>();
    for (int i = 1; i + 1 < args.length; i += 2) {
      opts.put(args[i], args[i + 1]);
    }
    String grpc = opts.getOrDefault("--grpc", GeargateClient.DEFAULT_TARGET);
    switch (args[0]) {
      case "worker":
        worker(grpc, opts.getOrDefault("--prefix", "java"));
        break;
      case "client":
        client(grpc);
        break;
      default:
        usage();
    }
  }

  private static void usage() {
    System.err.println("usage: worker --gearman H:P --grpc H:P --prefix P | "
        + "client --gearman H:P --grpc H:P");
    System.exit(2);
  }

  private static void worker(String grpc, String prefix) throws Exception {
    GeargateWorker worker = GeargateWorker.builder()
        .target(grpc)
        .workerId("java-matrix-" + prefix)
        .concurrency(8)
        .handle(prefix + "_echo", job -> job.payload())
        .handle(prefix + "_progress", job -> {
          job.sendData("d1");
          job.sendStatus(1, 2);
          job.sendWarning("w1");
          job.sendData("d2");
          return job.payload();
        })
        .handle(prefix + "_fail", job -> {
          throw new JobFailure();
        })
        .handle(prefix + "_throw", job -> {
          throw new IllegalStateException("boom");
        })
        .handle(prefix + "_slow", job -> {
          Thread.sleep(300);
          return job.payload();
        })
        .build();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      worker.stop(Duration.ofMillis(500));
    }));
    worker.start();
    if (!worker.awaitReady(Duration.ofSeconds(30))) {
      System.err.println("worker did not register within 30 s");
      worker.stop(Duration.ZERO);
      System.exit(1);
    }
    System.out.println("ready");
    System.out.flush();
    worker.run();
  }

  private static void client(String grpc) throws Exception {
    Gson gson = new GsonBuilder().disableHtmlEscaping().create();
    PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
    try (GeargateClient client = GeargateClient.connect(grpc);
        BufferedReader in = new BufferedReader(
            new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        if (line.isBlank()) {
          continue;
        }
        JsonObject c = JsonParser.parseString(line).getAsJsonObject();
        JsonObject reply;
        try {
          reply = "background".equals(str(c, "op")) ? background(client, c) : call(client, c);
        } catch (GeargateException e) {
          reply = new JsonObject();
          reply.addProperty("outcome", "error");
          reply.addProperty("error",
              e.code() == Status.Code.DEADLINE_EXCEEDED ? "timeout" : e.getMessage());
        } catch (RuntimeException e) {
          reply = new JsonObject();
          reply.addProperty("outcome", "error");
          reply.addProperty("error", String.valueOf(e));
        }
        JsonObject ordered = new JsonObject();
        ordered.add("id", c.get("id"));
        reply.entrySet().forEach(en -> ordered.add(en.getKey(), en.getValue()));
        if ("error".equals(str(ordered, "outcome")) && !ordered.has("data")
            && !"background".equals(str(c, "op"))) {
          ordered.addProperty("data", "");
          ordered.add("data_events", new JsonArray());
          ordered.add("status_events", new JsonArray());
        }
        out.println(gson.toJson(ordered));
        out.flush();
      }
    }
  }

  private static String str(JsonObject o, String key) {
    return o.has(key) && !o.get(key).isJsonNull() ? o.get(key).getAsString() : "";
  }

  private static JsonObject call(GeargateClient client, JsonObject c) {
    byte[] payload = Base64.getDecoder().decode(str(c, "payload"));
    JobRequest req = JobRequest.of(str(c, "function"), payload).timeout(CASE_TIMEOUT);
    CallResult r = client.run(req, RunListener.NONE);
    Base64.Encoder b64 = Base64.getEncoder();
    JsonObject o = new JsonObject();
    o.addProperty("outcome", r.outcome().name().toLowerCase());
    o.addProperty("data", b64.encodeToString(r.data()));
    JsonArray data = new JsonArray();
    r.dataEvents().forEach(d -> data.add(b64.encodeToString(d)));
    o.add("data_events", data);
    JsonArray status = new JsonArray();
    for (int[] s : r.statusEvents()) {
      JsonArray pair = new JsonArray();
      pair.add(s[0]);
      pair.add(s[1]);
      status.add(pair);
    }
    o.add("status_events", status);
    return o;
  }

  private static JsonObject background(GeargateClient client, JsonObject c) throws Exception {
    byte[] payload = Base64.getDecoder().decode(str(c, "payload"));
    String handle = client.submit(
        JobRequest.of(str(c, "function"), payload).timeout(CASE_TIMEOUT));
    long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    int polls = 0;
    boolean seenRunning = false;
    boolean gone = false;
    while (System.nanoTime() < end) {
      JobStatus s = client.status(handle);
      polls++;
      if (!s.getKnown()) {
        gone = true;
        break;
      }
      seenRunning |= s.getRunning();
      Thread.sleep(50);
    }
    JsonObject o = new JsonObject();
    o.addProperty("outcome", gone ? "complete" : "error");
    if (!gone) {
      o.addProperty("error", "timeout");
    }
    o.addProperty("handle", handle);
    o.addProperty("polls", polls);
    o.addProperty("seen_running", seenRunning);
    return o;
  }
}
