import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { AddCredit as _geargate_v1_AddCredit, AddCredit__Output as _geargate_v1_AddCredit__Output } from './geargate/v1/AddCredit';
import type { AdminServiceClient as _geargate_v1_AdminServiceClient, AdminServiceDefinition as _geargate_v1_AdminServiceDefinition } from './geargate/v1/AdminService';
import type { Assignment as _geargate_v1_Assignment, Assignment__Output as _geargate_v1_Assignment__Output } from './geargate/v1/Assignment';
import type { CanDo as _geargate_v1_CanDo, CanDo__Output as _geargate_v1_CanDo__Output } from './geargate/v1/CanDo';
import type { CancelJob as _geargate_v1_CancelJob, CancelJob__Output as _geargate_v1_CancelJob__Output } from './geargate/v1/CancelJob';
import type { CancelReply as _geargate_v1_CancelReply, CancelReply__Output as _geargate_v1_CancelReply__Output } from './geargate/v1/CancelReply';
import type { CancelRequest as _geargate_v1_CancelRequest, CancelRequest__Output as _geargate_v1_CancelRequest__Output } from './geargate/v1/CancelRequest';
import type { CantDo as _geargate_v1_CantDo, CantDo__Output as _geargate_v1_CantDo__Output } from './geargate/v1/CantDo';
import type { Created as _geargate_v1_Created, Created__Output as _geargate_v1_Created__Output } from './geargate/v1/Created';
import type { EventBatch as _geargate_v1_EventBatch, EventBatch__Output as _geargate_v1_EventBatch__Output } from './geargate/v1/EventBatch';
import type { Failed as _geargate_v1_Failed, Failed__Output as _geargate_v1_Failed__Output } from './geargate/v1/Failed';
import type { FunctionStatus as _geargate_v1_FunctionStatus, FunctionStatus__Output as _geargate_v1_FunctionStatus__Output } from './geargate/v1/FunctionStatus';
import type { JobEvent as _geargate_v1_JobEvent, JobEvent__Output as _geargate_v1_JobEvent__Output } from './geargate/v1/JobEvent';
import type { JobInfo as _geargate_v1_JobInfo, JobInfo__Output as _geargate_v1_JobInfo__Output } from './geargate/v1/JobInfo';
import type { JobList as _geargate_v1_JobList, JobList__Output as _geargate_v1_JobList__Output } from './geargate/v1/JobList';
import type { JobResult as _geargate_v1_JobResult, JobResult__Output as _geargate_v1_JobResult__Output } from './geargate/v1/JobResult';
import type { JobServiceClient as _geargate_v1_JobServiceClient, JobServiceDefinition as _geargate_v1_JobServiceDefinition } from './geargate/v1/JobService';
import type { JobStatus as _geargate_v1_JobStatus, JobStatus__Output as _geargate_v1_JobStatus__Output } from './geargate/v1/JobStatus';
import type { JobsQuery as _geargate_v1_JobsQuery, JobsQuery__Output as _geargate_v1_JobsQuery__Output } from './geargate/v1/JobsQuery';
import type { MaxQueueReply as _geargate_v1_MaxQueueReply, MaxQueueReply__Output as _geargate_v1_MaxQueueReply__Output } from './geargate/v1/MaxQueueReply';
import type { MaxQueueRequest as _geargate_v1_MaxQueueRequest, MaxQueueRequest__Output as _geargate_v1_MaxQueueRequest__Output } from './geargate/v1/MaxQueueRequest';
import type { Ping as _geargate_v1_Ping, Ping__Output as _geargate_v1_Ping__Output } from './geargate/v1/Ping';
import type { Pong as _geargate_v1_Pong, Pong__Output as _geargate_v1_Pong__Output } from './geargate/v1/Pong';
import type { Progress as _geargate_v1_Progress, Progress__Output as _geargate_v1_Progress__Output } from './geargate/v1/Progress';
import type { Register as _geargate_v1_Register, Register__Output as _geargate_v1_Register__Output } from './geargate/v1/Register';
import type { Rejected as _geargate_v1_Rejected, Rejected__Output as _geargate_v1_Rejected__Output } from './geargate/v1/Rejected';
import type { ResultRequest as _geargate_v1_ResultRequest, ResultRequest__Output as _geargate_v1_ResultRequest__Output } from './geargate/v1/ResultRequest';
import type { ServerStatus as _geargate_v1_ServerStatus, ServerStatus__Output as _geargate_v1_ServerStatus__Output } from './geargate/v1/ServerStatus';
import type { StatusQuery as _geargate_v1_StatusQuery, StatusQuery__Output as _geargate_v1_StatusQuery__Output } from './geargate/v1/StatusQuery';
import type { StatusRequest as _geargate_v1_StatusRequest, StatusRequest__Output as _geargate_v1_StatusRequest__Output } from './geargate/v1/StatusRequest';
import type { StoredResult as _geargate_v1_StoredResult, StoredResult__Output as _geargate_v1_StoredResult__Output } from './geargate/v1/StoredResult';
import type { SubmitBatch as _geargate_v1_SubmitBatch, SubmitBatch__Output as _geargate_v1_SubmitBatch__Output } from './geargate/v1/SubmitBatch';
import type { SubmitError as _geargate_v1_SubmitError, SubmitError__Output as _geargate_v1_SubmitError__Output } from './geargate/v1/SubmitError';
import type { SubmitReply as _geargate_v1_SubmitReply, SubmitReply__Output as _geargate_v1_SubmitReply__Output } from './geargate/v1/SubmitReply';
import type { SubmitRequest as _geargate_v1_SubmitRequest, SubmitRequest__Output as _geargate_v1_SubmitRequest__Output } from './geargate/v1/SubmitRequest';
import type { VersionQuery as _geargate_v1_VersionQuery, VersionQuery__Output as _geargate_v1_VersionQuery__Output } from './geargate/v1/VersionQuery';
import type { VersionReply as _geargate_v1_VersionReply, VersionReply__Output as _geargate_v1_VersionReply__Output } from './geargate/v1/VersionReply';
import type { WorkData as _geargate_v1_WorkData, WorkData__Output as _geargate_v1_WorkData__Output } from './geargate/v1/WorkData';
import type { WorkFail as _geargate_v1_WorkFail, WorkFail__Output as _geargate_v1_WorkFail__Output } from './geargate/v1/WorkFail';
import type { WorkStatus as _geargate_v1_WorkStatus, WorkStatus__Output as _geargate_v1_WorkStatus__Output } from './geargate/v1/WorkStatus';
import type { WorkerCommand as _geargate_v1_WorkerCommand, WorkerCommand__Output as _geargate_v1_WorkerCommand__Output } from './geargate/v1/WorkerCommand';
import type { WorkerInfo as _geargate_v1_WorkerInfo, WorkerInfo__Output as _geargate_v1_WorkerInfo__Output } from './geargate/v1/WorkerInfo';
import type { WorkerList as _geargate_v1_WorkerList, WorkerList__Output as _geargate_v1_WorkerList__Output } from './geargate/v1/WorkerList';
import type { WorkerMessage as _geargate_v1_WorkerMessage, WorkerMessage__Output as _geargate_v1_WorkerMessage__Output } from './geargate/v1/WorkerMessage';
import type { WorkerServiceClient as _geargate_v1_WorkerServiceClient, WorkerServiceDefinition as _geargate_v1_WorkerServiceDefinition } from './geargate/v1/WorkerService';
import type { WorkersQuery as _geargate_v1_WorkersQuery, WorkersQuery__Output as _geargate_v1_WorkersQuery__Output } from './geargate/v1/WorkersQuery';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from './google/protobuf/Timestamp';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  geargate: {
    v1: {
      AddCredit: MessageTypeDefinition<_geargate_v1_AddCredit, _geargate_v1_AddCredit__Output>
      AdminService: SubtypeConstructor<typeof grpc.Client, _geargate_v1_AdminServiceClient> & { service: _geargate_v1_AdminServiceDefinition }
      Assignment: MessageTypeDefinition<_geargate_v1_Assignment, _geargate_v1_Assignment__Output>
      CanDo: MessageTypeDefinition<_geargate_v1_CanDo, _geargate_v1_CanDo__Output>
      CancelJob: MessageTypeDefinition<_geargate_v1_CancelJob, _geargate_v1_CancelJob__Output>
      CancelReply: MessageTypeDefinition<_geargate_v1_CancelReply, _geargate_v1_CancelReply__Output>
      CancelRequest: MessageTypeDefinition<_geargate_v1_CancelRequest, _geargate_v1_CancelRequest__Output>
      CantDo: MessageTypeDefinition<_geargate_v1_CantDo, _geargate_v1_CantDo__Output>
      Created: MessageTypeDefinition<_geargate_v1_Created, _geargate_v1_Created__Output>
      EventBatch: MessageTypeDefinition<_geargate_v1_EventBatch, _geargate_v1_EventBatch__Output>
      Failed: MessageTypeDefinition<_geargate_v1_Failed, _geargate_v1_Failed__Output>
      FunctionStatus: MessageTypeDefinition<_geargate_v1_FunctionStatus, _geargate_v1_FunctionStatus__Output>
      JobEvent: MessageTypeDefinition<_geargate_v1_JobEvent, _geargate_v1_JobEvent__Output>
      JobInfo: MessageTypeDefinition<_geargate_v1_JobInfo, _geargate_v1_JobInfo__Output>
      JobList: MessageTypeDefinition<_geargate_v1_JobList, _geargate_v1_JobList__Output>
      JobResult: MessageTypeDefinition<_geargate_v1_JobResult, _geargate_v1_JobResult__Output>
      JobService: SubtypeConstructor<typeof grpc.Client, _geargate_v1_JobServiceClient> & { service: _geargate_v1_JobServiceDefinition }
      JobStatus: MessageTypeDefinition<_geargate_v1_JobStatus, _geargate_v1_JobStatus__Output>
      JobsQuery: MessageTypeDefinition<_geargate_v1_JobsQuery, _geargate_v1_JobsQuery__Output>
      MaxQueueReply: MessageTypeDefinition<_geargate_v1_MaxQueueReply, _geargate_v1_MaxQueueReply__Output>
      MaxQueueRequest: MessageTypeDefinition<_geargate_v1_MaxQueueRequest, _geargate_v1_MaxQueueRequest__Output>
      Outcome: EnumTypeDefinition
      Ping: MessageTypeDefinition<_geargate_v1_Ping, _geargate_v1_Ping__Output>
      Pong: MessageTypeDefinition<_geargate_v1_Pong, _geargate_v1_Pong__Output>
      Priority: EnumTypeDefinition
      Progress: MessageTypeDefinition<_geargate_v1_Progress, _geargate_v1_Progress__Output>
      Register: MessageTypeDefinition<_geargate_v1_Register, _geargate_v1_Register__Output>
      Rejected: MessageTypeDefinition<_geargate_v1_Rejected, _geargate_v1_Rejected__Output>
      ResultRequest: MessageTypeDefinition<_geargate_v1_ResultRequest, _geargate_v1_ResultRequest__Output>
      ServerStatus: MessageTypeDefinition<_geargate_v1_ServerStatus, _geargate_v1_ServerStatus__Output>
      StatusQuery: MessageTypeDefinition<_geargate_v1_StatusQuery, _geargate_v1_StatusQuery__Output>
      StatusRequest: MessageTypeDefinition<_geargate_v1_StatusRequest, _geargate_v1_StatusRequest__Output>
      StoredResult: MessageTypeDefinition<_geargate_v1_StoredResult, _geargate_v1_StoredResult__Output>
      SubmitBatch: MessageTypeDefinition<_geargate_v1_SubmitBatch, _geargate_v1_SubmitBatch__Output>
      SubmitError: MessageTypeDefinition<_geargate_v1_SubmitError, _geargate_v1_SubmitError__Output>
      SubmitReply: MessageTypeDefinition<_geargate_v1_SubmitReply, _geargate_v1_SubmitReply__Output>
      SubmitRequest: MessageTypeDefinition<_geargate_v1_SubmitRequest, _geargate_v1_SubmitRequest__Output>
      VersionQuery: MessageTypeDefinition<_geargate_v1_VersionQuery, _geargate_v1_VersionQuery__Output>
      VersionReply: MessageTypeDefinition<_geargate_v1_VersionReply, _geargate_v1_VersionReply__Output>
      WorkData: MessageTypeDefinition<_geargate_v1_WorkData, _geargate_v1_WorkData__Output>
      WorkFail: MessageTypeDefinition<_geargate_v1_WorkFail, _geargate_v1_WorkFail__Output>
      WorkStatus: MessageTypeDefinition<_geargate_v1_WorkStatus, _geargate_v1_WorkStatus__Output>
      WorkerCommand: MessageTypeDefinition<_geargate_v1_WorkerCommand, _geargate_v1_WorkerCommand__Output>
      WorkerInfo: MessageTypeDefinition<_geargate_v1_WorkerInfo, _geargate_v1_WorkerInfo__Output>
      WorkerList: MessageTypeDefinition<_geargate_v1_WorkerList, _geargate_v1_WorkerList__Output>
      WorkerMessage: MessageTypeDefinition<_geargate_v1_WorkerMessage, _geargate_v1_WorkerMessage__Output>
      WorkerService: SubtypeConstructor<typeof grpc.Client, _geargate_v1_WorkerServiceClient> & { service: _geargate_v1_WorkerServiceDefinition }
      WorkersQuery: MessageTypeDefinition<_geargate_v1_WorkersQuery, _geargate_v1_WorkersQuery__Output>
    }
  }
  google: {
    protobuf: {
      Timestamp: MessageTypeDefinition<_google_protobuf_Timestamp, _google_protobuf_Timestamp__Output>
    }
  }
}

