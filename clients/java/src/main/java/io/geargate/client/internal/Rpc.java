package io.geargate.client.internal;

import com.google.protobuf.Descriptors.ServiceDescriptor;
import com.google.protobuf.Message;
import io.geargate.v1.CancelReply;
import io.geargate.v1.CancelRequest;
import io.geargate.v1.GeargateProto;
import io.geargate.v1.JobEvent;
import io.geargate.v1.JobResult;
import io.geargate.v1.JobStatus;
import io.geargate.v1.StatusRequest;
import io.geargate.v1.SubmitReply;
import io.geargate.v1.SubmitRequest;
import io.geargate.v1.VersionQuery;
import io.geargate.v1.VersionReply;
import io.geargate.v1.WorkerCommand;
import io.geargate.v1.WorkerList;
import io.geargate.v1.WorkerMessage;
import io.geargate.v1.WorkersQuery;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.protobuf.ProtoUtils;

/**
 * gRPC method descriptors for the geargate services.
 *
 * <p>The message classes are generated from protos/geargate/v1/geargate.proto at build time.
 * The method descriptors are built here from the same generated file descriptor: each one is
 * checked, when this class loads, against the service definition in the proto (method name,
 * request and response types, streaming kind), so a change of the contract that this library
 * does not follow fails at once instead of on the wire.
 */
public final class Rpc {
  private Rpc() {}

  public static final String JOB_SERVICE = "geargate.v1.JobService";
  public static final String WORKER_SERVICE = "geargate.v1.WorkerService";
  public static final String ADMIN_SERVICE = "geargate.v1.AdminService";

  public static final MethodDescriptor<SubmitRequest, SubmitReply> SUBMIT =
      method(JOB_SERVICE, "Submit", MethodType.UNARY, SubmitRequest.getDefaultInstance(),
          SubmitReply.getDefaultInstance());
  public static final MethodDescriptor<SubmitRequest, JobResult> CALL =
      method(JOB_SERVICE, "Call", MethodType.UNARY, SubmitRequest.getDefaultInstance(),
          JobResult.getDefaultInstance());
  public static final MethodDescriptor<SubmitRequest, JobEvent> RUN =
      method(JOB_SERVICE, "Run", MethodType.SERVER_STREAMING, SubmitRequest.getDefaultInstance(),
          JobEvent.getDefaultInstance());
  public static final MethodDescriptor<SubmitRequest, JobEvent> PIPELINE =
      method(JOB_SERVICE, "Pipeline", MethodType.BIDI_STREAMING,
          SubmitRequest.getDefaultInstance(), JobEvent.getDefaultInstance());
  public static final MethodDescriptor<StatusRequest, JobStatus> GET_STATUS =
      method(JOB_SERVICE, "GetStatus", MethodType.UNARY, StatusRequest.getDefaultInstance(),
          JobStatus.getDefaultInstance());
  public static final MethodDescriptor<CancelRequest, CancelReply> CANCEL =
      method(JOB_SERVICE, "Cancel", MethodType.UNARY, CancelRequest.getDefaultInstance(),
          CancelReply.getDefaultInstance());
  public static final MethodDescriptor<WorkerMessage, WorkerCommand> WORK =
      method(WORKER_SERVICE, "Work", MethodType.BIDI_STREAMING,
          WorkerMessage.getDefaultInstance(), WorkerCommand.getDefaultInstance());
  public static final MethodDescriptor<WorkersQuery, WorkerList> WORKERS =
      method(ADMIN_SERVICE, "Workers", MethodType.UNARY, WorkersQuery.getDefaultInstance(),
          WorkerList.getDefaultInstance());
  public static final MethodDescriptor<VersionQuery, VersionReply> VERSION =
      method(ADMIN_SERVICE, "Version", MethodType.UNARY, VersionQuery.getDefaultInstance(),
          VersionReply.getDefaultInstance());

  private static <Q extends Message, R extends Message> MethodDescriptor<Q, R> method(
      String service, String name, MethodType type, Q request, R response) {
    String shortService = service.substring(service.lastIndexOf('.') + 1);
    ServiceDescriptor sd = GeargateProto.getDescriptor().findServiceByName(shortService);
    if (sd == null) {
      throw new IllegalStateException("geargate.proto has no service " + service);
    }
    com.google.protobuf.Descriptors.MethodDescriptor md = sd.findMethodByName(name);
    if (md == null) {
      throw new IllegalStateException("geargate.proto has no method " + service + "/" + name);
    }
    boolean clientStreaming =
        type == MethodType.CLIENT_STREAMING || type == MethodType.BIDI_STREAMING;
    boolean serverStreaming =
        type == MethodType.SERVER_STREAMING || type == MethodType.BIDI_STREAMING;
    if (!md.getInputType().equals(request.getDescriptorForType())
        || !md.getOutputType().equals(response.getDescriptorForType())
        || md.isClientStreaming() != clientStreaming
        || md.isServerStreaming() != serverStreaming) {
      throw new IllegalStateException(
          "geargate.proto changed the signature of " + service + "/" + name);
    }
    return MethodDescriptor.<Q, R>newBuilder()
        .setType(type)
        .setFullMethodName(MethodDescriptor.generateFullMethodName(service, name))
        .setRequestMarshaller(ProtoUtils.marshaller(request))
        .setResponseMarshaller(ProtoUtils.marshaller(response))
        .setSchemaDescriptor(md)
        .build();
  }

  /** Makes sure the descriptors were built (and so checked against the proto). */
  public static void check() {
    if (SUBMIT == null || VERSION == null) {
      throw new IllegalStateException("descriptors missing");
    }
  }
}
