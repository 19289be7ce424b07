// Original file: proto/geargate/v1/geargate.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { JobList as _geargate_v1_JobList, JobList__Output as _geargate_v1_JobList__Output } from '../../geargate/v1/JobList';
import type { JobsQuery as _geargate_v1_JobsQuery, JobsQuery__Output as _geargate_v1_JobsQuery__Output } from '../../geargate/v1/JobsQuery';
import type { MaxQueueReply as _geargate_v1_MaxQueueReply, MaxQueueReply__Output as _geargate_v1_MaxQueueReply__Output } from '../../geargate/v1/MaxQueueReply';
import type { MaxQueueRequest as _geargate_v1_MaxQueueRequest, MaxQueueRequest__Output as _geargate_v1_MaxQueueRequest__Output } from '../../geargate/v1/MaxQueueRequest';
import type { ServerStatus as _geargate_v1_ServerStatus, ServerStatus__Output as _geargate_v1_ServerStatus__Output } from '../../geargate/v1/ServerStatus';
import type { StatusQuery as _geargate_v1_StatusQuery, StatusQuery__Output as _geargate_v1_StatusQuery__Output } from '../../geargate/v1/StatusQuery';
import type { VersionQuery as _geargate_v1_VersionQuery, VersionQuery__Output as _geargate_v1_VersionQuery__Output } from '../../geargate/v1/VersionQuery';
import type { VersionReply as _geargate_v1_VersionReply, VersionReply__Output as _geargate_v1_VersionReply__Output } from '../../geargate/v1/VersionReply';
import type { WorkerList as _geargate_v1_WorkerList, WorkerList__Output as _geargate_v1_WorkerList__Output } from '../../geargate/v1/WorkerList';
import type { WorkersQuery as _geargate_v1_WorkersQuery, WorkersQuery__Output as _geargate_v1_WorkersQuery__Output } from '../../geargate/v1/WorkersQuery';

export interface AdminServiceClient extends grpc.Client {
  Jobs(argument: _geargate_v1_JobsQuery, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_geargate_v1_JobList__Output>): grpc.ClientUnaryCall;
  Jobs(argument: _geargate_v1_JobsQuery, metadata: grpc.Metadata, callback: grpc.requestCallback<_geargate_v1_JobList__Output>): grpc.ClientUnaryCall;
  Jobs(argument: _geargate_v1_JobsQuery, options: grpc.CallOptions, callback: grpc.requestCallback<_geargate_v1_JobList__Output>): grpc.ClientUnaryCall;
  Jobs(argument: _geargate_v1_JobsQuery, callback: grpc.requestCallback<_geargate_v1_JobList__Output>): grpc.ClientUnaryCall;
  jobs(argument: _geargate_v1_JobsQuery, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_geargate_v1_JobList__Output>): grpc.ClientUnaryCall;
  jobs(argument: _geargate_v1_JobsQuery, metadata: grpc.Metadata, callback: grpc.requestCallback<_geargate_v1_JobList__Output>): grpc.ClientUnaryCall;
  jobs(argument: _geargate_v1_JobsQuery, options: grpc.CallOptions, callback: grpc.requestCallback<_geargate_v1_JobList__Output>): grpc.ClientUnaryCall;
  jobs(argument: _geargate_v1_JobsQuery, callback: grpc.requestCallback<_geargate_v1_JobList__Output>): grpc.ClientUnaryCall;
  
  SetMaxQueue(argument: _geargate_v1_MaxQueueRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_geargate_v1_MaxQueueReply__Output>): grpc.ClientUnaryCall;
  SetMaxQueue(argument: _geargate_v1_MaxQueueRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_geargate_v1_MaxQueueReply__Output>): grpc.ClientUnaryCall;
  SetMaxQueue(argument: _geargate_v1_MaxQueueRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_geargate_v1_MaxQueueReply__Output>): grpc.ClientUnaryCall;
  SetMaxQueue(argument: _geargate_v1_MaxQueueRequest, callback: grpc.requestCallback<_geargate_v1_MaxQueueReply__Output>): grpc.ClientUnaryCall;
  setMaxQueue(argument: _geargate_v1_MaxQueueRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_geargate_v1_MaxQueueReply__Output>): grpc.ClientUnaryCall;
  setMaxQueue(argument: _geargate_v1_MaxQueueRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_geargate_v1_MaxQueueReply__Output>): grpc.ClientUnaryCall;
  setMaxQueue(argument: _geargate_v1_MaxQueueRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_geargate_v1_MaxQueueReply__Output>): grpc.ClientUnaryCall;
  setMaxQueue(argument: _geargate_v1_MaxQueueRequest, callback: grpc.requestCallback<_geargate_v1_MaxQueueReply__Output>): grpc.ClientUnaryCall;
  
  Status(argument: _geargate_v1_StatusQuery, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_geargate_v1_ServerStatus__Output>): grpc.ClientUnaryCall;
  Status(argument: _geargate_v1_StatusQuery, metadata: grpc.Metadata, callback: grpc.requestCallback<_geargate_v1_ServerStatus__Output>): grpc.ClientUnaryCall;
  Status(argument: _geargate_v1_StatusQuery, options: grpc.CallOptions, callback: grpc.requestCallback<_geargate_v1_ServerStatus__Output>): grpc.ClientUnaryCall;
  Status(argument: _geargate_v1_StatusQuery, callback: grpc.requestCallback<_geargate_v1_ServerStatus__Output>): grpc.ClientUnaryCall;
  status(argument: _geargate_v1_StatusQuery, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_geargate_v1_ServerStatus__Output>): grpc.ClientUnaryCall;
  status(argument: _geargate_v1_StatusQuery, metadata: grpc.Metadata, callback: grpc.requestCallback<_geargate_v1_ServerStatus__Output>): grpc.ClientUnaryCall;
  status(argument: _geargate_v1_StatusQuery, options: grpc.CallOptions, callback: grpc.requestCallback<_geargate_v1_ServerStatus__Output>): grpc.ClientUnaryCall;
  status(argument: _geargate_v1_StatusQuery, callback: grpc.requestCallback<_geargate_v1_ServerStatus__Output>): grpc.ClientUnaryCall;
  
  Version(argument: _geargate_v1_VersionQuery, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_geargate_v1_VersionReply__Output>): grpc.ClientUnaryCall;
  Version(argument: _geargate_v1_VersionQuery, metadata: grpc.Metadata, callback: grpc.requestCallback<_geargate_v1_VersionReply__Output>): grpc.ClientUnaryCall;
  Version(argument: _geargate_v1_VersionQuery, options: grpc.CallOptions, callback: grpc.requestCallback<_geargate_v1_VersionReply__Output>): grpc.ClientUnaryCall;
  Version(argument: _geargate_v1_VersionQuery, callback: grpc.requestCallback<_geargate_v1_VersionReply__Output>): grpc.ClientUnaryCall;
  version(argument: _geargate_v1_VersionQuery, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_geargate_v1_VersionReply__Output>): grpc.ClientUnaryCall;
  version(argument: _geargate_v1_VersionQuery, metadata: grpc.Metadata, callback: grpc.requestCallback<_geargate_v1_VersionReply__Output>): grpc.ClientUnaryCall;
  version(argument: _geargate_v1_VersionQuery, options: grpc.CallOptions, callback: grpc.requestCallback<_geargate_v1_VersionReply__Output>): grpc.ClientUnaryCall;
  version(argument: _geargate_v1_VersionQuery, callback: grpc.requestCallback<_geargate_v1_VersionReply__Output>): grpc.ClientUnaryCall;
  
  Workers(argument: _geargate_v1_WorkersQuery, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_geargate_v1_WorkerList__Output>): grpc.ClientUnaryCall;
  Workers(argument: _geargate_v1_WorkersQuery, metadata: grpc.Metadata, callback: grpc.requestCallback<_geargate_v1_WorkerList__Output>): grpc.ClientUnaryCall;
  Workers(argument: _geargate_v1_WorkersQuery, options: grpc.CallOptions, callback: grpc.requestCallback<_geargate_v1_WorkerList__Output>): grpc.ClientUnaryCall;
  Workers(argument: _geargate_v1_WorkersQuery, callback: grpc.requestCallback<_geargate_v1_WorkerList__Output>): grpc.ClientUnaryCall;
  workers(argument: _geargate_v1_WorkersQuery, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_geargate_v1_WorkerList__Output>): grpc.ClientUnaryCall;
  workers(argument: _geargate_v1_WorkersQuery, metadata: grpc.Metadata, callback: grpc.requestCallback<_geargate_v1_WorkerList__Output>): grpc.ClientUnaryCall;
  workers(argument: _geargate_v1_WorkersQuery, options: grpc.CallOptions, callback: grpc.requestCallback<_geargate_v1_WorkerList__Output>): grpc.ClientUnaryCall;
  workers(argument: _geargate_v1_WorkersQuery, callback: grpc.requestCallback<_geargate_v1_WorkerList__Output>): grpc.ClientUnaryCall;
  
}

export interface AdminServiceHandlers extends grpc.UntypedServiceImplementation {
  Jobs: grpc.handleUnaryCall<_geargate_v1_JobsQuery__Output, _geargate_v1_JobList>;
  
  SetMaxQueue: grpc.handleUnaryCall<_geargate_v1_MaxQueueRequest__Output, _geargate_v1_MaxQueueReply>;
  
  Status: grpc.handleUnaryCall<_geargate_v1_StatusQuery__Output, _geargate_v1_ServerStatus>;
  
  Version: grpc.handleUnaryCall<_geargate_v1_VersionQuery__Output, _geargate_v1_VersionReply>;
  
  Workers: grpc.handleUnaryCall<_geargate_v1_WorkersQuery__Output, _geargate_v1_WorkerList>;
  
}

export interface AdminServiceDefinition extends grpc.ServiceDefinition {
  Jobs: MethodDefinition<_geargate_v1_JobsQuery, _geargate_v1_JobList, _geargate_v1_JobsQuery__Output, _geargate_v1_JobList__Output>
  SetMaxQueue: MethodDefinition<_geargate_v1_MaxQueueRequest, _geargate_v1_MaxQueueReply, _geargate_v1_MaxQueueRequest__Output, _geargate_v1_MaxQueueReply__Output>
  Status: MethodDefinition<_geargate_v1_StatusQuery, _geargate_v1_ServerStatus, _geargate_v1_StatusQuery__Output, _geargate_v1_ServerStatus__Output>
  Version: MethodDefinition<_geargate_v1_VersionQuery, _geargate_v1_VersionReply, _geargate_v1_VersionQuery__Output, _geargate_v1_VersionReply__Output>
  Workers: MethodDefinition<_geargate_v1_WorkersQuery, _geargate_v1_WorkerList, _geargate_v1_WorkersQuery__Output, _geargate_v1_WorkerList__Output>
}
