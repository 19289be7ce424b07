import { EventEmitter } from 'node:events';
import * as os from 'node:os';
import * as crypto from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { loadProto } from './proto';
import { ConnectionOptions, Payload, channelArgs, deadlineFrom, toBuffer } from './channel';
import { GeargateError, WorkFail, toGeargateError } from './errors';
import type { WorkerServiceClient } from './generated/geargate/v1/WorkerService';
import type { AdminServiceClient } from './generated/geargate/v1/AdminService';
import type { WorkerMessage } from './generated/geargate/v1/WorkerMessage';
import type { WorkerCommand__Output } from './generated/geargate/v1/WorkerCommand';
import type { Assignment__Output } from './generated/geargate/v1/Assignment';
import type { WorkerList__Output } from './generated/geargate/v1/WorkerList';

/** Why a job's signal was aborted (`job.signal.reason`). */
export type AbortReason = 'cancelled' | 'timeout' | 'disconnected' | 'stopped';

/** What a handler gets: the job, its abort signal and the means to report progress. */
export interface Job {
  readonly handle: string;
  readonly function: string;
  readonly unique: string;
  readonly reducer: string;
  /** 1 for the first attempt; more after the job was requeued. */
  readonly attempt: number;
  readonly payload: Buffer;
  /**
   * Aborted when the job was taken back ('cancelled' by an admin, 'timeout' past its CanDo
   * timeout), the stream broke ('disconnected') or stop() gave up waiting ('stopped'). The
   * server no longer wants this job's result: whatever the handler returns is dropped.
   */
  readonly signal: AbortSignal;
  /** True once `signal` is aborted. */
  readonly cancelled: boolean;
  /** WORK_DATA: a chunk of partial result for the client. */
  sendData(data: Payload): void;
  /** WORK_WARNING. */
  sendWarning(data: Payload): void;
  /** WORK_STATUS: numerator / denominator progress. */
  sendStatus(numerator: number, denominator: number): void;
}

/**
 * A job handler. Its resolved value (string, Buffer, Uint8Array; nothing = empty) completes
 * the job; throwing WorkFail fails it (WORK_FAIL); throwing anything else makes it a
 * WORK_EXCEPTION whose data is the error's message.
 */
export type Handler = (job: Job) => Payload | void | Promise<Payload | void>;

export interface HandleOptions {
  /** The server takes the job back after this long (CAN_DO_TIMEOUT); 0 = no limit. */
  timeoutMs?: number;
}

export interface ReconnectOptions {
  /** First delay after a broken stream (default 100 ms). */
  initialDelayMs?: number;
  /** Largest delay (default 5000 ms). */
  maxDelayMs?: number;
  /** Growth per failed attempt (default 2). */
  multiplier?: number;
}

export interface WorkerOptions extends ConnectionOptions {
  /** Shown by the admin `workers` command (default `node-<host>-<pid>-<random>`). */
  workerId?: string;
  /** Jobs run at once (the stream's credit; default 1). */
  concurrency?: number;
  reconnect?: ReconnectOptions;
}

export interface StopOptions {
  /** How long to wait for running handlers before dropping them (default 10 s). */
  timeoutMs?: number;
}

interface Registration {
  handler: Handler;
  timeoutMs: number;
}

interface Connection {
  call: grpc.ClientDuplexStream<WorkerMessage, WorkerCommand__Output>;
  ended: boolean;
  registered: boolean;
  jobs: Map<string, AbortController>;
}

/** Errors after which reconnecting cannot help: the request itself is wrong. */
const FATAL_CODES = new Set<number>([
  grpc.status.INVALID_ARGUMENT,
  grpc.status.UNIMPLEMENTED,
  grpc.status.UNAUTHENTICATED,
  grpc.status.PERMISSION_DENIED,
]);

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * A geargate worker on one gRPC Work stream. Register handlers with `handle`, then `run()`:
 * it reconnects with exponential backoff until `stop()`.
 *
 * Events: 'registered' (the server lists this worker), 'disconnected' (error), 'reconnecting'
 * ({delayMs, attempt}), 'rejected' ({handle, reason, code}), 'cancelled' ({handle, reason}).
 */
export class Worker extends EventEmitter {
  readonly workerId: string;
  readonly concurrency: number;
  private readonly stub: WorkerServiceClient;
  private readonly admin: AdminServiceClient;
  private readonly reconnect: Required<ReconnectOptions>;
  private readonly functions = new Map<string, Registration>();
  private readonly running = new Set<Promise<void>>();
  private connection: Connection | undefined;
  private stopping = false;
  private runPromise: Promise<void> | undefined;
  private wakeSleep: (() => void) | undefined;
  private everRegistered = false;

  constructor(options: WorkerOptions = {}) {
    super();
    const proto = loadProto().geargate.v1;
    const { address, credentials, channelOptions } = channelArgs(options);
    this.stub = new proto.WorkerService(address, credentials, channelOptions);
    this.admin = new proto.AdminService(address, credentials, {
      ...channelOptions,
      channelOverride: this.stub.getChannel(),
    });
    this.workerId =
      options.workerId ?? `node-${os.hostname()}-${process.pid}-${crypto.randomBytes(3).toString('hex')}`;
    this.concurrency = Math.max(1, Math.floor(options.concurrency ?? 1));
    this.reconnect = {
      initialDelayMs: options.reconnect?.initialDelayMs ?? 100,
      maxDelayMs: options.reconnect?.maxDelayMs ?? 5000,
      multiplier: options.reconnect?.multiplier ?? 2,
    };
  }

  /** Registers a handler for a function; allowed before and while running. */
  handle(fn: string, handler: Handler, options: HandleOptions = {}): this {
    const timeoutMs = Math.max(0, Math.floor(options.timeoutMs ?? 0));
    this.functions.set(fn, { handler, timeoutMs });
    const conn = this.connection;
    if (conn !== undefined && !conn.ended) {
      this.write(conn, { can_do: { function: fn, timeout_ms: timeoutMs } });
    }
    return this;
  }

  /** Resolves once the server lists this worker with all its functions (after `run()`). */
  ready(): Promise<void> {
    if (this.everRegistered) return Promise.resolve();
    return new Promise((resolve) => this.once('registered', () => resolve()));
  }

  /**
   * Connects and serves jobs until `stop()`; reconnects with backoff when the stream breaks.
   * Rejects with GeargateError when the server refuses the stream itself (e.g.
   * INVALID_ARGUMENT for a bad function name).
   */
  run(): Promise<void> {
    if (this.runPromise !== undefined) throw new Error('this worker is already running');
    if (this.functions.size === 0) throw new Error('register a handler with handle() first');
    this.stopping = false;
    this.runPromise = this.loop();
    return this.runPromise;
  }

  /**
   * Graceful stop: takes no new jobs, waits for running handlers (up to `timeoutMs`; then
   * aborts them with reason 'stopped' and their jobs are requeued), closes the stream and the
   * channel, and resolves when `run()` has finished.
   */
  async stop(options: StopOptions = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    this.stopping = true;
    this.wakeSleep?.();
    const conn = this.connection;
    if (conn !== undefined && !conn.ended) {
      this.write(conn, { add_credit: { delta: -this.concurrency } });
    }
    const deadline = Date.now() + timeoutMs;
    while (this.running.size > 0) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...this.running]),
        new Promise((resolve) => (timer = setTimeout(resolve, left))),
      ]);
      clearTimeout(timer);
    }
    if (conn !== undefined) {
      for (const controller of conn.jobs.values()) controller.abort('stopped');
      if (!conn.ended) {
        conn.ended = true;
        conn.call.end();
        // The server closes the stream when it sees our end; do not wait for ever.
        const timer = setTimeout(() => conn.call.cancel(), 2000);
        try {
          await this.runPromise?.catch(() => undefined);
        } finally {
          clearTimeout(timer);
        }
      }
    }
    await this.runPromise?.catch(() => undefined);
    this.runPromise = undefined;
    this.stub.close();
  }

  // ------------------------------------------------------------------ connection loop

  private async loop(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      const { error, healthy } = await this.connectOnce();
      if (this.stopping) return;
      if (error instanceof GeargateError && FATAL_CODES.has(error.code)) throw error;
      if (healthy) failures = 0;
      const base = Math.min(
        this.reconnect.maxDelayMs,
        this.reconnect.initialDelayMs * this.reconnect.multiplier ** failures,
      );
      const delayMs = Math.round(base * (0.5 + Math.random() * 0.5));
      failures += 1;
      this.emit('reconnecting', { delayMs, attempt: failures, error });
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delayMs);
        this.wakeSleep = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wakeSleep = undefined;
    }
  }

  private connectOnce(): Promise<{ error: Error | undefined; healthy: boolean }> {
    const call = this.stub.Work(new grpc.Metadata(), {});
    const conn: Connection = { call, ended: false, registered: false, jobs: new Map() };
    this.connection = conn;
    let healthy = false;
    const result = new Promise<{ error: Error | undefined; healthy: boolean }>((resolve) => {
      call.on('data', (command: WorkerCommand__Output) => {
        healthy = true;
        this.onCommand(conn, command);
      });
      call.on('error', () => undefined); // reported through 'status'
      call.on('status', (status: grpc.StatusObject) => {
        conn.ended = true;
        for (const controller of conn.jobs.values()) controller.abort('disconnected');
        conn.jobs.clear();
        const error =
          status.code === grpc.status.OK
            ? undefined
            : new GeargateError(status.code, status.details, status.metadata);
        if (!this.stopping) this.emit('disconnected', error);
        resolve({ error, healthy: healthy || conn.registered });
      });
    });
    this.write(conn, {
      register: {
        worker_id: this.workerId,
        concurrency: this.concurrency,
        functions: [...this.functions].map(([fn, reg]) => ({ function: fn, timeout_ms: reg.timeoutMs })),
      },
    });
    void this.confirmRegistration(conn);
    return result;
  }

  /** The protocol has no register ack: ask AdminService.Workers until it lists us. */
  private async confirmRegistration(conn: Connection): Promise<void> {
    const wanted = [...this.functions.keys()];
    while (!conn.ended) {
      try {
        const list = await new Promise<WorkerList__Output>((resolve, reject) =>
          this.admin.Workers({}, { deadline: deadlineFrom(2000) }, (error, reply) =>
            error ? reject(error) : resolve(reply as WorkerList__Output),
          ),
        );
        const me = list.workers.find((w) => w.worker_id === this.workerId && w.transport === 'grpc');
        if (me !== undefined && wanted.every((fn) => me.functions.includes(fn))) break;
      } catch (error) {
        const code = (toGeargateError(error) as GeargateError).code;
        if (code === grpc.status.UNIMPLEMENTED || code === grpc.status.PERMISSION_DENIED) break;
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    if (conn.ended) return;
    conn.registered = true;
    this.everRegistered = true;
    this.emit('registered');
  }

  private write(conn: Connection, message: WorkerMessage): void {
    if (conn.ended) return;
    try {
      conn.call.write(message);
    } catch {
      // The stream is closing; its 'status' event reports why.
    }
  }

  private onCommand(conn: Connection, command: WorkerCommand__Output): void {
    switch (command.kind) {
      case 'assign':
        if (command.assign) this.startJob(conn, command.assign);
        break;
      case 'ping':
        this.write(conn, { pong: { nonce: command.ping?.nonce ?? '0' } });
        break;
      case 'cancel': {
        const handle = command.cancel?.handle ?? '';
        const reason = command.cancel?.reason || 'cancelled';
        const controller = conn.jobs.get(handle);
        conn.jobs.delete(handle);
        controller?.abort(reason);
        this.emit('cancelled', { handle, reason });
        break;
      }
      case 'rejected':
        this.emit('rejected', {
          handle: command.rejected?.handle ?? '',
          reason: command.rejected?.reason ?? '',
          code: command.rejected?.code ?? '',
        });
        break;
      default:
        break;
    }
  }

  private startJob(conn: Connection, assignment: Assignment__Output): void {
    const handle = assignment.handle;
    const controller = new AbortController();
    conn.jobs.set(handle, controller);
    const signal = controller.signal;
    const report = (message: WorkerMessage): void => {
      if (!signal.aborted) this.write(conn, message);
    };
    const job: Job = {
      handle,
      function: assignment.function,
      unique: assignment.unique,
      reducer: assignment.reducer,
      attempt: assignment.attempt,
      payload: assignment.payload,
      signal,
      get cancelled() {
        return signal.aborted;
      },
      sendData: (data) => report({ data: { handle, data: toBuffer(data) } }),
      sendWarning: (data) => report({ warning: { handle, data: toBuffer(data) } }),
      sendStatus: (numerator, denominator) =>
        report({ status: { handle, numerator: numerator >>> 0, denominator: denominator >>> 0 } }),
    };
    const registration = this.functions.get(assignment.function);
    const task = (async () => {
      let outcome: WorkerMessage;
      try {
        if (registration === undefined) throw new Error(`no handler for ${assignment.function}`);
        const value = await registration.handler(job);
        outcome = { complete: { handle, data: toBuffer(value === undefined ? undefined : value) } };
      } catch (error) {
        outcome =
          error instanceof WorkFail
            ? { fail: { handle } }
            : { exception: { handle, data: Buffer.from(messageOf(error), 'utf8') } };
      }
      // A cancelled, timed-out or orphaned job is never reported.
      if (conn.jobs.get(handle) === controller) conn.jobs.delete(handle);
      report(outcome);
    })();
    this.running.add(task);
    void task.finally(() => this.running.delete(task));
  }
}
