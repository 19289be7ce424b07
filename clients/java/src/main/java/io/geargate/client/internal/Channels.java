package io.geargate.client.internal;

import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.util.function.Consumer;

/** Builds the channel a client or worker owns. */
public final class Channels {
  private Channels() {}

  public static ManagedChannel open(
      String target, ChannelCredentials credentials, Consumer<ManagedChannelBuilder<?>> tweak) {
    ChannelCredentials creds =
        credentials != null ? credentials : InsecureChannelCredentials.create();
    ManagedChannelBuilder<?> builder = Grpc.newChannelBuilder(target, creds);
    builder.maxInboundMessageSize(Integer.MAX_VALUE);
    if (tweak != null) {
      tweak.accept(builder);
    }
    return builder.build();
  }
}
