export { Client, JobRun } from './client';
export type {
  ClientOptions,
  RpcOptions,
  SubmitOptions,
  CallOptions,
  JobResult,
  JobEvent,
  JobStatus,
  StatusKey,
  Priority,
} from './client';
export { Worker } from './worker';
export type { Job, Handler, HandleOptions, WorkerOptions, ReconnectOptions, StopOptions, AbortReason } from './worker';
export {
  GeargateError,
  JobError,
  JobFailedError,
  JobExceptionError,
  WorkFail,
  statusName,
} from './errors';
export { DEFAULT_ADDRESS } from './channel';
export type { ConnectionOptions, TlsOptions, Payload } from './channel';
export { loadProto, PROTO_FILE } from './proto';
export type { ProtoGrpcType } from './generated/geargate';
