import io.geargate.client.GeargateClient;
import io.geargate.client.JobRequest;

/** Sends `Linvo` to `title` and prints the result (5). */
public class TitleClient {
  public static void main(String[] args) {
    String target = args.length > 0 ? args[0] : "localhost:50051";
    try (GeargateClient client = GeargateClient.connect(target)) {
      System.out.println(new String(client.call(JobRequest.of("title", "Linvo")).orThrow()));
    }
  }
}
