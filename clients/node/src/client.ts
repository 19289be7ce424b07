import * as grpc from '@grpc/grpc-js';
import { loadProto } from './proto';
import { ConnectionOptions, Payload, channelArgs, deadlineFrom, toBuffer } from './channel';
import { JobExceptionError, JobFailedError, toGeargateError } from './errors';
import type { JobServiceClient } from './generated/geargate/v1/JobService';
import type { AdminServiceClient } from './generated/geargate/v1/AdminService';
import type { SubmitRequest } from './generated/geargate/v1/SubmitRequest';
import type { JobEvent__Output } from './generated/geargate/v1/JobEvent';
import type { FunctionStatus__Output } from './generated/geargate/v1/FunctionStatus';
import type { WorkerInfo__Output } from './generated/geargate/v1/WorkerInfo';
import type { JobInfo__Output } from './generated/geargate/v1/JobInfo';
import type { JobResult__Output } from './generated/geargate/v1/JobResult';
import type { JobStatus__Output } from './generated/geargate/v1/JobStatus';

export type Priority = 'high' | 'normal' | 'low';

export interface ClientOptions extends ConnectionOptions {
  /** Deadline applied to every RPC that does not give its own `timeoutMs` (default: none). */
  timeoutMs?: number;
}

/** Options of a single RPC. */
export interface RpcOptions {
  /** Deadline of this RPC in milliseconds; DEADLINE_EXCEEDED when it passes. */
  timeoutMs?: number;
  /** Aborting cancels the RPC (rejects with CANCELLED); a foreground job is then detached. */
  signal?: AbortSignal;
  /** Extra request metadata (e.g. auth headers). */
  metadata?: grpc.Metadata;
}

/** Options of a submission (call, submit, run). */
export interface SubmitOptions extends RpcOptions {
  /** Coalescing key ("-" coalesces on the payload); at most 64 bytes. */
  unique?: string;
  priority?: Priority;
  /** Do not run before this time (SUBMIT_JOB_EPOCH). */
  runAt?: Date;
  /** Reducer name for map/reduce jobs. */
  reducer?: string;
}

export interface CallOptions extends SubmitOptions {
  /** Also return the job's data and warning events (`dataEvents`, `warnings`). */
  collectEvents?: boolean;
}

/** A completed foreground job. */
export interface JobResult {
  handle: string;
  /** The worker's result. */
  data: Buffer;
  /** With `collectEvents`: each WORK_DATA payload in order (otherwise empty). */
  dataEvents: Buffer[];
  /** With `collectEvents`: each WORK_WARNING payload in order (otherwise empty). */
  warnings: Buffer[];
}

/** One event of `Client.run`; the last one is always complete, fail or exception. */
export type JobEvent =
  | { type: 'created'; handle: string; coalesced: boolean }
  | { type: 'data'; handle: string; data: Buffer }
  | { type: 'warning'; handle: string; data: Buffer }
  | { type: 'status'; handle: string; numerator: number; denominator: number }
  | { type: 'complete'; handle: string; data: Buffer }
  | { type: 'fail'; handle: string }
  | { type: 'exception'; handle: string; data: Buffer };

export interface JobStatus {
  handle: string;
  /** The job exists (queued, scheduled or running). */
  known: boolean;
  /** A worker holds it. */
  running: boolean;
  numerator: number;
  denominator: number;
  /** Foreground submissions waiting for its result. */
  waitingClients: number;
}

export type StatusKey = string | { handle: string } | { unique: string };

const PRIORITIES: Record<Priority, 'HIGH' | 'NORMAL' | 'LOW'> = {
  high: 'HIGH',
  normal: 'NORMAL',
  low: 'LOW',
};

/** An event stream from `Client.run`: iterate it with `for await`, or `cancel()` it. */
export class JobRun implements AsyncIterable<JobEvent> {
  private readonly stream: grpc.ClientReadableStream<JobEvent__Output>;
  /** The job handle, once the created event arrived. */
  handle: string | undefined;

  constructor(stream: grpc.ClientReadableStream<JobEvent__Output>) {
    this.stream = stream;
  }

  /** Stops the stream: this client detaches from the job (the job itself keeps running). */
  cancel(): void {
    this.stream.cancel();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<JobEvent> {
    try {
      for await (const raw of this.stream as AsyncIterable<JobEvent__Output>) {
        const event = convertEvent(raw);
        if (event === undefined) continue;
        if (event.type === 'created') this.handle = event.handle;
        yield event;
      }
    } catch (error) {
      throw toGeargateError(error);
    } finally {
      this.stream.cancel();
    }
  }
}

function convertEvent(raw: JobEvent__Output): JobEvent | undefined {
  const handle = raw.handle;
  switch (raw.event) {
    case 'created':
      return { type: 'created', handle, coalesced: Boolean(raw.created?.coalesced) };
    case 'data':
      return { type: 'data', handle, data: raw.data ?? Buffer.alloc(0) };
    case 'warning':
      return { type: 'warning', handle, data: raw.warning ?? Buffer.alloc(0) };
    case 'status':
      return {
        type: 'status',
        handle,
        numerator: raw.status?.numerator ?? 0,
        denominator: raw.status?.denominator ?? 0,
      };
    case 'complete':
      return { type: 'complete', handle, data: raw.complete ?? Buffer.alloc(0) };
    case 'fail':
      return { type: 'fail', handle };
    case 'exception':
      return { type: 'exception', handle, data: raw.exception ?? Buffer.alloc(0) };
    default:
      return undefined; // `error` only occurs on Pipeline streams
  }
}

/**
 * Submits jobs to geargate over gRPC. Every method returns a promise; RPC failures reject with
 * GeargateError (keeping the gRPC status code), unsuccessful jobs with JobFailedError or
 * JobExceptionError (from `call` only).
 */
export class Client {
  private readonly jobs: JobServiceClient;
  private readonly adminStub: AdminServiceClient;
  private readonly timeoutMs: number | undefined;

  constructor(options: ClientOptions = {}) {
    const proto = loadProto().geargate.v1;
    const { address, credentials, channelOptions } = channelArgs(options);
    this.jobs = new proto.JobService(address, credentials, channelOptions);
    // The admin stub shares the job stub's channel.
    this.adminStub = new proto.AdminService(address, credentials, {
      ...channelOptions,
      channelOverride: this.jobs.getChannel(),
    });
    this.timeoutMs = options.timeoutMs;
  }

  /** Closes the channel; calls in flight are cancelled. */
  close(): void {
    this.jobs.close();
  }

  /**
   * Runs a job in the foreground and resolves with its result. Rejects with JobFailedError
   * (WORK_FAIL) or JobExceptionError (WORK_EXCEPTION, `message` = the exception data).
   */
  async call(fn: string, payload?: Payload, options: CallOptions = {}): Promise<JobResult> {
    const request = this.request(fn, payload, options);
    request.collect_events = Boolean(options.collectEvents);
    const reply = await this.unary<JobResult__Output>(
      (md, opts, cb) => this.jobs.Call(request, md, opts, cb),
      options,
    );
    switch (reply.outcome) {
      case 'COMPLETE':
        return {
          handle: reply.handle,
          data: reply.data,
          dataEvents: reply.data_events,
          warnings: reply.warnings,
        };
      case 'FAIL':
        throw new JobFailedError(reply.handle);
      case 'EXCEPTION':
        throw new JobExceptionError(reply.handle, reply.data);
      default:
        throw new Error(`unexpected outcome ${String(reply.outcome)} for job ${reply.handle}`);
    }
  }

  /** Queues a background job and resolves with its handle. */
  async submit(fn: string, payload?: Payload, options: SubmitOptions = {}): Promise<string> {
    const request = this.request(fn, payload, options);
    const reply = await this.unary<{ handle: string }>(
      (md, opts, cb) => this.jobs.Submit(request, md, opts, cb),
      options,
    );
    return reply.handle;
  }

  /**
   * Runs a job in the foreground and streams its events: created, any data / warning /
   * status, then exactly one of complete, fail or exception (outcomes are events here, not
   * errors; RPC failures throw GeargateError from the iteration).
   */
  run(fn: string, payload?: Payload, options: SubmitOptions = {}): JobRun {
    const request = this.request(fn, payload, options);
    const stream = this.jobs.Run(request, options.metadata ?? new grpc.Metadata(), this.callOptions(options));
    const run = new JobRun(stream);
    this.bindSignal(options.signal, () => stream.cancel());
    return run;
  }

  /** The status of a job, by handle (a string or `{handle}`) or by `{unique}`. */
  async status(key: StatusKey, options: RpcOptions = {}): Promise<JobStatus> {
    const request = typeof key === 'string' ? { handle: key } : key;
    const reply = await this.unary<JobStatus__Output>(
      (md, opts, cb) => this.jobs.GetStatus(request, md, opts, cb),
      options,
    );
    return {
      handle: reply.handle,
      known: reply.known,
      running: reply.running,
      numerator: reply.numerator,
      denominator: reply.denominator,
      waitingClients: reply.waiting_clients,
    };
  }

  /** Cancels a job (like admin `cancel job`); resolves false when no job has that handle. */
  async cancel(handle: string, options: RpcOptions = {}): Promise<boolean> {
    const reply = await this.unary<{ cancelled: boolean }>(
      (md, opts, cb) => this.jobs.Cancel({ handle }, md, opts, cb),
      options,
    );
    return reply.cancelled;
  }

  /** The server's version string. */
  async version(options: RpcOptions = {}): Promise<string> {
    const reply = await this.unary<{ version: string }>(
      (md, opts, cb) => this.adminStub.Version({}, md, opts, cb),
      options,
    );
    return reply.version;
  }

  /** Per-function queue counts (AdminService.Status). */
  async serverStatus(options: RpcOptions = {}): Promise<FunctionStatus__Output[]> {
    const reply = await this.unary<{ functions: FunctionStatus__Output[] }>(
      (md, opts, cb) => this.adminStub.Status({}, md, opts, cb),
      options,
    );
    return reply.functions;
  }

  /** Connected workers, TCP and gRPC (AdminService.Workers). */
  async workers(options: RpcOptions = {}): Promise<WorkerInfo__Output[]> {
    const reply = await this.unary<{ workers: WorkerInfo__Output[] }>(
      (md, opts, cb) => this.adminStub.Workers({}, md, opts, cb),
      options,
    );
    return reply.workers;
  }

  /** Jobs in the queue, optionally of one function (AdminService.Jobs). */
  async listJobs(fn = '', options: RpcOptions = {}): Promise<JobInfo__Output[]> {
    const reply = await this.unary<{ jobs: JobInfo__Output[] }>(
      (md, opts, cb) => this.adminStub.Jobs({ function: fn }, md, opts, cb),
      options,
    );
    return reply.jobs;
  }

  // ------------------------------------------------------------------ helpers

  private request(fn: string, payload: Payload | undefined, options: SubmitOptions): SubmitRequest {
    const request: SubmitRequest = { function: fn, payload: toBuffer(payload) };
    if (options.unique !== undefined) request.unique = options.unique;
    if (options.priority !== undefined) {
      const priority = PRIORITIES[options.priority];
      if (priority === undefined) throw new TypeError(`unknown priority ${String(options.priority)}`);
      request.priority = priority;
    }
    if (options.reducer !== undefined) request.reducer = options.reducer;
    if (options.runAt !== undefined) {
      const ms = options.runAt.getTime();
      request.run_at = { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 };
    }
    return request;
  }

  private callOptions(options: RpcOptions): grpc.CallOptions {
    const deadline = deadlineFrom(options.timeoutMs ?? this.timeoutMs);
    return deadline === undefined ? {} : { deadline };
  }

  private bindSignal(signal: AbortSignal | undefined, cancel: () => void): void {
    if (signal === undefined) return;
    if (signal.aborted) cancel();
    else signal.addEventListener('abort', cancel, { once: true });
  }

  private unary<Res>(
    start: (
      metadata: grpc.Metadata,
      options: grpc.CallOptions,
      callback: (error: grpc.ServiceError | null, reply?: Res) => void,
    ) => grpc.ClientUnaryCall,
    options: RpcOptions,
  ): Promise<Res> {
    return new Promise<Res>((resolve, reject) => {
      const call = start(options.metadata ?? new grpc.Metadata(), this.callOptions(options), (error, reply) => {
        if (error) reject(toGeargateError(error));
        else resolve(reply as Res);
      });
      this.bindSignal(options.signal, () => call.cancel());
    });
  }
}
