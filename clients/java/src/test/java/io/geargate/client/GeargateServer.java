package io.geargate.client;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A real `geargate serve` on free loopback ports, for the tests. */
final class GeargateServer implements AutoCloseable {
  final int gearmanPort;
  final int grpcPort;
  private final Process process;

  private GeargateServer(int gearmanPort, int grpcPort, Process process) {
    this.gearmanPort = gearmanPort;
    this.grpcPort = grpcPort;
    this.process = process;
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  static GeargateServer start() throws Exception {
    return start(freePort());
  }

  /** Starts geargate with its gRPC API on this port and waits until it accepts connections. */
  static GeargateServer start(int grpcPort, String... extra) throws Exception {
    int gearmanPort = freePort();
    List<String> cmd = new ArrayList<>(List.of("geargate", "serve", "-p",
        String.valueOf(gearmanPort), "-L", "127.0.0.1", "--grpc-port", String.valueOf(grpcPort),
        "-l", "none", "--store", "memory"));
    cmd.addAll(List.of(extra));
    File log = new File("target/geargate-" + grpcPort + ".log");
    Process p = new ProcessBuilder(cmd)
        .redirectErrorStream(true)
        .redirectOutput(log)
        .start();
    GeargateServer server = new GeargateServer(gearmanPort, grpcPort, p);
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < end) {
      if (!p.isAlive()) {
        throw new IllegalStateException("geargate exited with " + p.exitValue() + "; see " + log);
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", grpcPort), 200);
        return server;
      } catch (IOException notYet) {
        Thread.sleep(50);
      }
    }
    server.close();
    throw new IllegalStateException("geargate did not listen on " + grpcPort);
  }

  String target() {
    return "127.0.0.1:" + grpcPort;
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(5, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(5, TimeUnit.SECONDS);
    }
  }
}
