import io.geargate.client.GeargateWorker;
import java.nio.charset.StandardCharsets;

/** Worker for `title`: answers the length of its workload as decimal text. */
public class TitleWorker {
  public static void main(String[] args) throws Exception {
    String target = args.length > 0 ? args[0] : "localhost:50051";
    GeargateWorker worker = GeargateWorker.builder().target(target).concurrency(4)
        .handle("title", job -> Integer.toString(job.payload().length)
            .getBytes(StandardCharsets.UTF_8))
        .build();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> worker.stop(java.time.Duration.ofSeconds(5))));
    worker.run();
  }
}
