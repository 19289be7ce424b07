import * as grpc from '@grpc/grpc-js';

const STATUS_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(grpc.status)
    .filter(([, value]) => typeof value === 'number')
    .map(([name, value]) => [value as number, name]),
);

/** The name of a gRPC status code, e.g. 14 => "UNAVAILABLE". */
export function statusName(code: number): string {
  return STATUS_NAMES[code] ?? `CODE_${code}`;
}

/**
 * An RPC that failed: the server refused it (INVALID_ARGUMENT, RESOURCE_EXHAUSTED,
 * UNAVAILABLE while draining), its deadline passed (DEADLINE_EXCEEDED), it was cancelled
 * (CANCELLED) or the server could not be reached (UNAVAILABLE). `code` is the numeric gRPC
 * status (compare with `grpc.status.X` or `codeName`).
 */
export class GeargateError extends Error {
  readonly code: grpc.status;
  readonly codeName: string;
  readonly details: string;
  readonly metadata?: grpc.Metadata;

  constructor(code: grpc.status, details: string, metadata?: grpc.Metadata, cause?: unknown) {
    super(`${statusName(code)}: ${details}`, cause === undefined ? undefined : { cause });
    this.name = 'GeargateError';
    this.code = code;
    this.codeName = statusName(code);
    this.details = details;
    this.metadata = metadata;
  }
}

/** Converts whatever a grpc-js call threw into a GeargateError (other errors pass through). */
export function toGeargateError(error: unknown): Error {
  if (error instanceof GeargateError) return error;
  const e = error as Partial<grpc.ServiceError> | undefined;
  if (e !== undefined && e !== null && typeof e.code === 'number') {
    return new GeargateError(e.code, e.details ?? String(e.message), e.metadata, error);
  }
  return error instanceof Error ? error : new Error(String(error));
}

/** Base class of the two unsuccessful job outcomes that `Client.call` rejects with. */
export class JobError extends Error {
  /** The job handle the server gave the job. */
  readonly handle: string;
  constructor(message: string, handle: string) {
    super(message);
    this.name = 'JobError';
    this.handle = handle;
  }
}

/** The job failed (WORK_FAIL): the worker gave no reason. */
export class JobFailedError extends JobError {
  constructor(handle: string) {
    super(`job ${handle} failed`, handle);
    this.name = 'JobFailedError';
  }
}

/** The worker raised an exception (WORK_EXCEPTION); `data` is its payload (the message). */
export class JobExceptionError extends JobError {
  readonly data: Buffer;
  constructor(handle: string, data: Buffer) {
    super(data.toString('utf8'), handle);
    this.name = 'JobExceptionError';
    this.data = data;
  }
}

/**
 * Thrown by a worker's handler to fail its job (WORK_FAIL, no data). Any other error thrown by
 * a handler becomes WORK_EXCEPTION carrying the error's message.
 */
export class WorkFail extends Error {
  constructor(message = 'job failed') {
    super(message);
    this.name = 'WorkFail';
  }
}
