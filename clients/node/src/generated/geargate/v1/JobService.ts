// Original file: proto/geargate/v1/geargate.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { CancelReply as _geargate_v1_CancelReply, CancelReply__Output as _geargate_v1_CancelReply__Output } from '../../geargate/v1/CancelReply';
import type { CancelRequest as _geargate_v1_CancelRequest, CancelRequest__Output as _geargate_v1_CancelRequest__Output } from '../../geargate/v1/CancelRequest';
import type { EventBatch as _geargate_v1_EventBatch, EventBatch__Output as _geargate_v1_EventBatch__Output } from '../../geargate/v1/EventBatch';
import type { JobEvent as _geargate_v1_JobEvent, JobEvent__Output as _geargate_v1_JobEvent__Output } from '../../geargate/v1/JobEvent';
import type { JobResult as _geargate_v1_JobResult, JobResult__Output as _geargate_v1_JobResult__Output } from '../../geargate/v1/JobResult';
import type { JobStatus as _geargate_v1_JobStatus, JobStatus__Output as _geargate_v1_JobStatus__Output } from '../../geargate/v1/JobStatus';
import type { ResultRequest as _geargate_v1_ResultRequest, ResultRequest__Output as _geargate_v1_ResultRequest__Output } from '../../geargate/v1/ResultRequest';
import type { StatusRequest as _geargate_v1_StatusRequest, StatusRequest__Output as _geargate_v1_StatusRequest__Output } from '../../geargate/v1/StatusRequest';
import type { StoredResult as _geargate_v1_StoredResult, StoredResult__Output as _geargate_v1_StoredResult__Output } from '../../geargate/v1/StoredResult';
import type { SubmitBatch as _geargate_v1_SubmitBatch, SubmitBatch__Output as _geargate_v1_SubmitBatch__Output } from '../../geargate/v1/SubmitBatch';
import type { SubmitReply as _geargate_v1_SubmitReply, SubmitReply__Output as _geargate_v1_SubmitReply__Output } from '../../geargate/v1/SubmitReply';
import type { SubmitRequest as _geargate_v1_SubmitRequest, SubmitRequest__Output as _geargate_v1_SubmitRequest__Output } from '../../geargate/v1/SubmitRequest';

export interface JobServiceClient extends grpc.Client {
  Call(argument: _geargate_v1_SubmitRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_geargate_v1_JobResult__Output>): grpc.ClientUnaryCall;
  Call(argument: _geargate_v1_SubmitRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_geargate_v1_JobResult__Output>): grpc.ClientUnaryCall;
  Call(argument: _geargate_v1_SubmitRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_geargate_v1_JobResult__Output>): grpc.ClientUnaryCall;
  Call(argument: _geargate_v1_SubmitRequest, callback: grpc.requestCallback<_geargate_v1_JobResult__Output>): grpc.ClientUnaryCall;
  call(argument: _geargate_v1_SubmitRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_geargate_v1_JobResult__Output>): grpc.ClientUnaryCall;
  call(argument: _geargate_v1_SubmitRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_geargate_v1_JobResult__Output>): grpc.ClientUnaryCall;
  call(argument: _geargate_v1_SubmitRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_geargate_v1_JobResult__Output>): grpc.ClientUnaryCall;
  call(argument: _geargate_v1_SubmitRequest, callback: grpc.requestCallback<_geargate_v1_JobResult__Output>): grpc.ClientUnaryCall;
  
  Cancel(argument: _geargate_v1_CancelRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_geargate_v1_CancelReply__Output>): grpc.ClientUnaryCall;
  Cancel(argument: _geargate_v1_CancelRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_geargate_v1_CancelReply__Output>): grpc.ClientUnaryCall;
  Cancel(argument: _geargate_v1_CancelRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_geargate_v1_CancelReply__Output>): grpc.ClientUnaryCall;
  Cancel(argument: _geargate_v1_CancelRequest, callback: grpc.requestCallback<_geargate_v1_CancelReply__Output>): grpc.ClientUnaryCall;
  cancel(argument: _geargate_v1_CancelRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_geargate_v1_CancelReply__Output>): grpc.ClientUnaryCall;
  cancel(argument: _geargate_v1_CancelRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_geargate_v1_CancelReply__Output>): grpc.ClientUnaryCall;
  cancel(argument: _geargate_v1_CancelRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_geargate_v1_CancelReply__Output>): grpc.ClientUnaryCall;
  cancel(argument: _geargate_v1_CancelRequest, callback: grpc.requestCallback<_geargate_v1_CancelReply__Output>): grpc.ClientUnaryCall;
  
  GetResult(argument: _geargate_v1_ResultRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_geargate_v1_StoredResult__Output>): grpc.ClientUnaryCall;
  GetResult(argument: _geargate_v1_ResultRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_geargate_v1_StoredResult__Output>): grpc.ClientUnaryCall;
  GetResult(argument: _geargate_v1_ResultRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_geargate_v1_StoredResult__Output>): grpc.ClientUnaryCall;
  GetResult(argument: _geargate_v1_ResultRequest, callback: grpc.requestCallback<_geargate_v1_StoredResult__Output>): grpc.ClientUnaryCall;
  getResult(argument: _geargate_v1_ResultRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_geargate_v1_StoredResult__Output>): grpc.ClientUnaryCall;
  getResult(argument: _geargate_v1_ResultRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_geargate_v1_StoredResult__Output>): grpc.ClientUnaryCall;
  getResult(argument: _geargate_v1_ResultRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_geargate_v1_StoredResult__Output>): grpc.ClientUnaryCall;
  getResult(argument: _geargate_v1_ResultRequest, callback: grpc.requestCallback<_geargate_v1_StoredResult__Output>): grpc.ClientUnaryCall;
  
  GetStatus(argument: _geargate_v1_StatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_geargate_v1_JobStatus__Output>): grpc.ClientUnaryCall;
  GetStatus(argument: _geargate_v1_StatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_geargate_v1_JobStatus__Output>): grpc.ClientUnaryCall;
  GetStatus(argument: _geargate_v1_StatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_geargate_v1_JobStatus__Output>): grpc.ClientUnaryCall;
  GetStatus(argument: _geargate_v1_StatusRequest, callback: grpc.requestCallback<_geargate_v1_JobStatus__Output>): grpc.ClientUnaryCall;
  getStatus(argument: _geargate_v1_StatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_geargate_v1_JobStatus__Output>): grpc.ClientUnaryCall;
  getStatus(argument: _geargate_v1_StatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_geargate_v1_JobStatus__Output>): grpc.ClientUnaryCall;
  getStatus(argument: _geargate_v1_StatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_geargate_v1_JobStatus__Output>): grpc.ClientUnaryCall;
  getStatus(argument: _geargate_v1_StatusRequest, callback: grpc.requestCallback<_geargate_v1_JobStatus__Output>): grpc.ClientUnaryCall;
  
  Pipeline(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_geargate_v1_SubmitRequest, _geargate_v1_JobEvent__Output>;
  Pipeline(options?: grpc.CallOptions): grpc.ClientDuplexStream<_geargate_v1_SubmitRequest, _geargate_v1_JobEvent__Output>;
  pipeline(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_geargate_v1_SubmitRequest, _geargate_v1_JobEvent__Output>;
  pipeline(options?: grpc.CallOptions): grpc.ClientDuplexStream<_geargate_v1_SubmitRequest, _geargate_v1_JobEvent__Output>;
  
  PipelineBatch(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_geargate_v1_SubmitBatch, _geargate_v1_EventBatch__Output>;
  PipelineBatch(options?: grpc.CallOptions): grpc.ClientDuplexStream<_geargate_v1_SubmitBatch, _geargate_v1_EventBatch__Output>;
  pipelineBatch(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_geargate_v1_SubmitBatch, _geargate_v1_EventBatch__Output>;
  pipelineBatch(options?: grpc.CallOptions): grpc.ClientDuplexStream<_geargate_v1_SubmitBatch, _geargate_v1_EventBatch__Output>;
  
  Run(argument: _geargate_v1_SubmitRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_geargate_v1_JobEvent__Output>;
  Run(argument: _geargate_v1_SubmitRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_geargate_v1_JobEvent__Output>;
  run(argument: _geargate_v1_SubmitRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_geargate_v1_JobEvent__Output>;
  run(argument: _geargate_v1_SubmitRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_geargate_v1_JobEvent__Output>;
  
  Submit(argument: _geargate_v1_SubmitRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_geargate_v1_SubmitReply__Output>): grpc.ClientUnaryCall;
  Submit(argument: _geargate_v1_SubmitRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_geargate_v1_SubmitReply__Output>): grpc.ClientUnaryCall;
  Submit(argument: _geargate_v1_SubmitRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_geargate_v1_SubmitReply__Output>): grpc.ClientUnaryCall;
  Submit(argument: _geargate_v1_SubmitRequest, callback: grpc.requestCallback<_geargate_v1_SubmitReply__Output>): grpc.ClientUnaryCall;
  submit(argument: _geargate_v1_SubmitRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_geargate_v1_SubmitReply__Output>): grpc.ClientUnaryCall;
  submit(argument: _geargate_v1_SubmitRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_geargate_v1_SubmitReply__Output>): grpc.ClientUnaryCall;
  submit(argument: _geargate_v1_SubmitRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_geargate_v1_SubmitReply__Output>): grpc.ClientUnaryCall;
  submit(argument: _geargate_v1_SubmitRequest, callback: grpc.requestCallback<_geargate_v1_SubmitReply__Output>): grpc.ClientUnaryCall;
  
}

export interface JobServiceHandlers extends grpc.UntypedServiceImplementation {
  Call: grpc.handleUnaryCall<_geargate_v1_SubmitRequest__Output, _geargate_v1_JobResult>;
  
  Cancel: grpc.handleUnaryCall<_geargate_v1_CancelRequest__Output, _geargate_v1_CancelReply>;
  
  GetResult: grpc.handleUnaryCall<_geargate_v1_ResultRequest__Output, _geargate_v1_StoredResult>;
  
  GetStatus: grpc.handleUnaryCall<_geargate_v1_StatusRequest__Output, _geargate_v1_JobStatus>;
  
  Pipeline: grpc.handleBidiStreamingCall<_geargate_v1_SubmitRequest__Output, _geargate_v1_JobEvent>;
  
  PipelineBatch: grpc.handleBidiStreamingCall<_geargate_v1_SubmitBatch__Output, _geargate_v1_EventBatch>;
  
  Run: grpc.handleServerStreamingCall<_geargate_v1_SubmitRequest__Output, _geargate_v1_JobEvent>;
  
  Submit: grpc.handleUnaryCall<_geargate_v1_SubmitRequest__Output, _geargate_v1_SubmitReply>;
  
}

export interface JobServiceDefinition extends grpc.ServiceDefinition {
  Call: MethodDefinition<_geargate_v1_SubmitRequest, _geargate_v1_JobResult, _geargate_v1_SubmitRequest__Output, _geargate_v1_JobResult__Output>
  Cancel: MethodDefinition<_geargate_v1_CancelRequest, _geargate_v1_CancelReply, _geargate_v1_CancelRequest__Output, _geargate_v1_CancelReply__Output>
  GetResult: MethodDefinition<_geargate_v1_ResultRequest, _geargate_v1_StoredResult, _geargate_v1_ResultRequest__Output, _geargate_v1_StoredResult__Output>
  GetStatus: MethodDefinition<_geargate_v1_StatusRequest, _geargate_v1_JobStatus, _geargate_v1_StatusRequest__Output, _geargate_v1_JobStatus__Output>
  Pipeline: MethodDefinition<_geargate_v1_SubmitRequest, _geargate_v1_JobEvent, _geargate_v1_SubmitRequest__Output, _geargate_v1_JobEvent__Output>
  PipelineBatch: MethodDefinition<_geargate_v1_SubmitBatch, _geargate_v1_EventBatch, _geargate_v1_SubmitBatch__Output, _geargate_v1_EventBatch__Output>
  Run: MethodDefinition<_geargate_v1_SubmitRequest, _geargate_v1_JobEvent, _geargate_v1_SubmitRequest__Output, _geargate_v1_JobEvent__Output>
  Submit: MethodDefinition<_geargate_v1_SubmitRequest, _geargate_v1_SubmitReply, _geargate_v1_SubmitRequest__Output, _geargate_v1_SubmitReply__Output>
}
