'use strict';
const { test } = require('node:test');
const assert = require('node:assert/strict');
const grpc = require('@grpc/grpc-js');
const { Client, Worker, GeargateError } = require('..');
const { startServer, waitFor, deferred, sleep } = require('./helpers');

/** Runs `body(server, client)` against a fresh geargate and cleans everything up. */
async function withServer(args, body) {
  const server = await startServer({ args });
  const client = new Client({ address: server.address, timeoutMs: 20_000 });
  try {
    await body(server, client);
  } finally {
    client.close();
    await server.stop();
  }
}

async function stopWorker(worker, running) {
  await worker.stop({ timeoutMs: 2000 });
  await running.catch(() => undefined);
}

test('concurrency: the worker holds exactly its credit of jobs at once', async () => {
  await withServer([], async (server, client) => {
    const gate = deferred();
    let active = 0;
    let peak = 0;
    const worker = new Worker({ address: server.address, concurrency: 3 });
    worker.handle('block', async (job) => {
      active += 1;
      peak = Math.max(peak, active);
      await gate.promise;
      active -= 1;
      return job.payload;
    });
    const running = worker.run();
    try {
      await worker.ready();
      const calls = [];
      for (let i = 0; i < 6; i += 1) calls.push(client.call('block', String(i)));
      await waitFor(() => active === 3, 'three running handlers');
      const jobs = await client.listJobs('block');
      assert.equal(jobs.filter((j) => j.state === 'RUNNING').length, 3);
      assert.equal(jobs.filter((j) => j.state === 'QUEUED').length, 3);
      gate.resolve();
      const results = await Promise.all(calls);
      assert.deepEqual(results.map((r) => r.data.toString()), ['0', '1', '2', '3', '4', '5']);
      assert.equal(peak, 3);
    } finally {
      gate.resolve();
      await stopWorker(worker, running);
    }
  });
});

test('admin cancel aborts the handler with reason "cancelled" and nothing is reported', async () => {
  await withServer([], async (server, client) => {
    const started = deferred();
    const aborted = deferred();
    const rejected = [];
    const worker = new Worker({ address: server.address });
    worker.on('rejected', (r) => rejected.push(r));
    worker.handle('long', async (job) => {
      started.resolve(job.handle);
      await new Promise((resolve) => job.signal.addEventListener('abort', resolve, { once: true }));
      aborted.resolve(job.signal.reason);
      job.sendData('late data');
      return 'late result';
    });
    worker.handle('echo', (job) => job.payload);
    const running = worker.run();
    try {
      await worker.ready();
      const events = [];
      const consumer = (async () => {
        for await (const event of client.run('long', 'x')) events.push(event.type);
      })();
      const handle = await started.promise;
      assert.equal(await client.cancel(handle), true);
      assert.equal(await aborted.promise, 'cancelled');
      await consumer;
      assert.deepEqual(events, ['created', 'fail']);
      // The worker carries on with its next job; no report about the cancelled one was sent
      // (a report would be rejected or would reach the client).
      // (geargate must free the cancelled job's credit although the worker never reports it.)
      const after = await client.call('echo', 'after', { timeoutMs: 5000 }).catch((e) => e);
      assert.ok(!(after instanceof Error), `no job after a cancelled one: ${after.message}`);
      assert.equal(after.data.toString(), 'after');
      assert.deepEqual(rejected, []);
      assert.equal((await client.status(handle)).known, false);
    } finally {
      await stopWorker(worker, running);
    }
  });
});

test('a CanDo timeout aborts with "timeout"; the late result is dropped and the job requeued', async () => {
  await withServer([], async (server, client) => {
    const attempts = [];
    const rejected = [];
    const firstAborted = deferred();
    const worker = new Worker({ address: server.address, concurrency: 2 });
    worker.on('rejected', (r) => rejected.push(r));
    worker.handle(
      'slowpoke',
      async (job) => {
        attempts.push(job.attempt);
        if (job.attempt === 1) {
          await new Promise((resolve) => job.signal.addEventListener('abort', resolve, { once: true }));
          firstAborted.resolve(job.signal.reason);
          return 'too late';
        }
        return `attempt ${job.attempt}`;
      },
      { timeoutMs: 200 },
    );
    const running = worker.run();
    try {
      await worker.ready();
      const result = await client.call('slowpoke', 'x');
      assert.equal(await firstAborted.promise, 'timeout');
      assert.equal(result.data.toString(), 'attempt 2');
      assert.deepEqual(attempts, [1, 2]);
      await client.version(); // a round trip, so a rejection of the late report would be here
      assert.deepEqual(rejected, []);
    } finally {
      await stopWorker(worker, running);
    }
  });
});

test('graceful stop lets the running job finish and takes no new ones', async () => {
  await withServer([], async (server, client) => {
    const started = deferred();
    const gate = deferred();
    const handled = [];
    const worker = new Worker({ address: server.address, concurrency: 1 });
    worker.handle('job', async (job) => {
      handled.push(job.payload.toString());
      started.resolve();
      await gate.promise;
      return `ok ${job.payload}`;
    });
    const running = worker.run();
    await worker.ready();
    const first = client.call('job', 'first');
    await started.promise;
    const second = await client.submit('job', 'second');
    const stopped = worker.stop({ timeoutMs: 10_000 });
    await sleep(50);
    gate.resolve();
    assert.equal((await first).data.toString(), 'ok first');
    await stopped;
    await running;
    assert.deepEqual(handled, ['first']);
    const status = await client.status(second);
    assert.equal(status.known, true);
    assert.equal(status.running, false);
    await waitFor(async () => (await client.workers()).length === 0, 'the worker to leave');
  });
});

test('the worker answers pings and keeps its stream', async () => {
  await withServer(['--grpc-ping-interval', '0.1'], async (server, client) => {
    const disconnects = [];
    const worker = new Worker({ address: server.address });
    worker.on('disconnected', (e) => disconnects.push(e));
    worker.handle('echo', (job) => job.payload);
    const running = worker.run();
    try {
      await worker.ready();
      // Idle for several ping intervals: a worker that did not answer would be dropped.
      await sleep(700);
      assert.equal((await client.call('echo', 'still here')).data.toString(), 'still here');
      assert.deepEqual(disconnects, []);
    } finally {
      await stopWorker(worker, running);
    }
  });
});

test('reconnects with backoff after the server restarts', async () => {
  let server = await startServer();
  const worker = new Worker({
    address: server.address,
    reconnect: { initialDelayMs: 50, maxDelayMs: 300 },
  });
  const reconnects = [];
  let registrations = 0;
  worker.on('reconnecting', (r) => reconnects.push(r));
  worker.on('registered', () => {
    registrations += 1;
  });
  worker.handle('echo', (job) => job.payload);
  const running = worker.run();
  let client;
  try {
    await worker.ready();
    const ports = server.ports;
    await server.stop();
    await waitFor(() => reconnects.length >= 2, 'reconnect attempts');
    server = await startServer({ ports });
    client = new Client({ address: server.address, timeoutMs: 20_000 });
    await waitFor(() => registrations === 2, 'the worker to register again');
    assert.equal((await client.call('echo', 'back')).data.toString(), 'back');
    assert.ok(reconnects.every((r) => r.delayMs <= 300));
  } finally {
    client?.close();
    await stopWorker(worker, running);
    await server.stop();
  }
});

test('a refused registration rejects run() with INVALID_ARGUMENT', async () => {
  await withServer([], async (server) => {
    const worker = new Worker({ address: server.address });
    worker.handle('x'.repeat(600), () => 'never');
    const error = await worker.run().catch((e) => e);
    assert.ok(error instanceof GeargateError);
    assert.equal(error.code, grpc.status.INVALID_ARGUMENT);
    await worker.stop();
  });
});

test('handle() while running adds a function on the live stream', async () => {
  await withServer([], async (server, client) => {
    const worker = new Worker({ address: server.address });
    worker.handle('first', () => 'one');
    const running = worker.run();
    try {
      await worker.ready();
      worker.handle('second', (job) => `two ${job.payload}`);
      assert.equal((await client.call('second', 'x')).data.toString(), 'two x');
    } finally {
      await stopWorker(worker, running);
    }
  });
});
