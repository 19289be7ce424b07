// Original file: proto/geargate/v1/geargate.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { WorkerCommand as _geargate_v1_WorkerCommand, WorkerCommand__Output as _geargate_v1_WorkerCommand__Output } from '../../geargate/v1/WorkerCommand';
import type { WorkerMessage as _geargate_v1_WorkerMessage, WorkerMessage__Output as _geargate_v1_WorkerMessage__Output } from '../../geargate/v1/WorkerMessage';

export interface WorkerServiceClient extends grpc.Client {
  Work(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_geargate_v1_WorkerMessage, _geargate_v1_WorkerCommand__Output>;
  Work(options?: grpc.CallOptions): grpc.ClientDuplexStream<_geargate_v1_WorkerMessage, _geargate_v1_WorkerCommand__Output>;
  work(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_geargate_v1_WorkerMessage, _geargate_v1_WorkerCommand__Output>;
  work(options?: grpc.CallOptions): grpc.ClientDuplexStream<_geargate_v1_WorkerMessage, _geargate_v1_WorkerCommand__Output>;
  
}

export interface WorkerServiceHandlers extends grpc.UntypedServiceImplementation {
  Work: grpc.handleBidiStreamingCall<_geargate_v1_WorkerMessage__Output, _geargate_v1_WorkerCommand>;
  
}

export interface WorkerServiceDefinition extends grpc.ServiceDefinition {
  Work: MethodDefinition<_geargate_v1_WorkerMessage, _geargate_v1_WorkerCommand, _geargate_v1_WorkerMessage__Output, _geargate_v1_WorkerCommand__Output>
}
