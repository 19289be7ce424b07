'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const grpc = require('@grpc/grpc-js');
const {
  Client,
  Worker,
  WorkFail,
  GeargateError,
  JobFailedError,
  JobExceptionError,
  JobError,
} = require('..');
const { startServer, waitFor, deferred } = require('./helpers');

let server;
let client;
let worker;
let workerDone;
const gate = deferred(); // releases the `hold` handler

before(async () => {
  server = await startServer();
  client = new Client({ address: server.address, timeoutMs: 20_000 });
  worker = new Worker({ address: server.address, concurrency: 4 });
  worker.handle('echo', (job) => job.payload);
  worker.handle('progress', (job) => {
    job.sendData('d1');
    job.sendStatus(1, 2);
    job.sendWarning('w1');
    job.sendData(Buffer.from([0, 1, 2]));
    return `done:${job.payload.toString()}`;
  });
  worker.handle('fail', () => {
    throw new WorkFail();
  });
  worker.handle('throw', async () => {
    throw new Error('boom');
  });
  worker.handle('hold', async (job) => {
    await gate.promise;
    return job.payload;
  });
  workerDone = worker.run();
  await worker.ready();
});

after(async () => {
  gate.resolve();
  await worker?.stop({ timeoutMs: 2000 });
  await workerDone?.catch(() => undefined);
  client?.close();
  await server?.stop();
});

test('call returns the result and round-trips binary payloads', async () => {
  const payload = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < payload.length; i += 1) payload[i] = (i * 7) % 256;
  payload[0] = 0;
  const result = await client.call('echo', payload);
  assert.ok(result.data.equals(payload));
  assert.match(result.handle, /^H:/);
  assert.deepEqual(result.dataEvents, []);
});

test('call with collectEvents returns data and warnings in order', async () => {
  const result = await client.call('progress', 'x', { collectEvents: true });
  assert.equal(result.data.toString(), 'done:x');
  assert.deepEqual(result.dataEvents.map((b) => b.toString('hex')), ['6431', '000102']);
  assert.deepEqual(result.warnings.map((b) => b.toString()), ['w1']);
});

test('call rejects with JobFailedError on WORK_FAIL', async () => {
  const error = await client.call('fail', 'x').then(
    () => assert.fail('expected a rejection'),
    (e) => e,
  );
  assert.ok(error instanceof JobFailedError);
  assert.ok(error instanceof JobError);
  assert.match(error.handle, /^H:/);
});

test('call rejects with JobExceptionError carrying the thrown message', async () => {
  const error = await client.call('throw', 'x').then(
    () => assert.fail('expected a rejection'),
    (e) => e,
  );
  assert.ok(error instanceof JobExceptionError);
  assert.equal(error.message, 'boom');
  assert.equal(error.data.toString(), 'boom');
});

test('run streams created, data, status, warning, data, complete', async () => {
  const events = [];
  for await (const event of client.run('progress', 'y')) events.push(event);
  assert.deepEqual(
    events.map((e) => e.type),
    ['created', 'data', 'status', 'warning', 'data', 'complete'],
  );
  assert.equal(events[0].coalesced, false);
  assert.equal(events[1].data.toString(), 'd1');
  assert.deepEqual([events[2].numerator, events[2].denominator], [1, 2]);
  assert.equal(events[3].data.toString(), 'w1');
  assert.equal(events[5].data.toString(), 'done:y');
  assert.ok(events.every((e) => e.handle === events[0].handle));
});

test('run yields fail and exception as terminal events', async () => {
  const fail = [];
  for await (const event of client.run('fail', '')) fail.push(event.type);
  assert.deepEqual(fail, ['created', 'fail']);
  const exc = [];
  for await (const event of client.run('throw', '')) exc.push(event);
  assert.deepEqual(exc.map((e) => e.type), ['created', 'exception']);
  assert.equal(exc[1].data.toString(), 'boom');
});

test('submit returns a handle; status by handle and by unique follow the job', async () => {
  const handle = await client.submit('hold', 'bg', { unique: 'node-unique-1', priority: 'high' });
  assert.match(handle, /^H:/);
  await waitFor(async () => (await client.status(handle)).running, 'the job to run');
  const byHandle = await client.status(handle);
  assert.equal(byHandle.known, true);
  assert.equal(byHandle.handle, handle);
  const byUnique = await client.status({ unique: 'node-unique-1' });
  assert.equal(byUnique.known, true);
  assert.equal(byUnique.running, true);
  assert.equal(byUnique.handle, handle);
  gate.resolve();
  await waitFor(async () => !(await client.status(handle)).known, 'the job to finish');
  assert.equal((await client.status({ unique: 'node-unique-1' })).known, false);
});

test('cancel a queued job: the waiting call fails; unknown handles answer false', async () => {
  const run = client.run('nobody-works-this', 'x');
  const iterator = run[Symbol.asyncIterator]();
  const created = (await iterator.next()).value;
  assert.equal(created.type, 'created');
  assert.equal(await client.cancel(created.handle), true);
  const next = (await iterator.next()).value;
  assert.equal(next.type, 'fail');
  assert.equal((await iterator.next()).done, true);
  assert.equal(await client.cancel('H:nope:1'), false);
});

test('RPC errors are GeargateError with the gRPC status code', async () => {
  const invalid = await client.call('', 'x').catch((e) => e);
  assert.ok(invalid instanceof GeargateError);
  assert.equal(invalid.code, grpc.status.INVALID_ARGUMENT);
  assert.equal(invalid.codeName, 'INVALID_ARGUMENT');
  const tooLong = await client.submit('f', 'x', { unique: 'u'.repeat(65) }).catch((e) => e);
  assert.equal(tooLong.code, grpc.status.INVALID_ARGUMENT);
  const noKey = await client.status({}).catch((e) => e);
  assert.equal(noKey.code, grpc.status.INVALID_ARGUMENT);
});

test('a deadline on call gives DEADLINE_EXCEEDED and detaches the client', async () => {
  const error = await client.call('nobody-here', 'x', { timeoutMs: 150 }).catch((e) => e);
  assert.ok(error instanceof GeargateError);
  assert.equal(error.code, grpc.status.DEADLINE_EXCEEDED);
  // geargate removes a foreground job whose only client went away.
  await waitFor(
    async () => (await client.serverStatus()).every((f) => f.function !== 'nobody-here' || f.queued_normal === 0),
    'the abandoned job to leave the queue',
  );
});

test('an AbortSignal cancels a run with CANCELLED', async () => {
  const controller = new AbortController();
  const run = client.run('nobody-here-either', 'x', { signal: controller.signal });
  const seen = [];
  const error = await (async () => {
    for await (const event of run) {
      seen.push(event.type);
      controller.abort();
    }
  })().catch((e) => e);
  assert.deepEqual(seen, ['created']);
  assert.ok(error instanceof GeargateError);
  assert.equal(error.code, grpc.status.CANCELLED);
});

test('admin helpers: version, workers, jobs', async () => {
  assert.match(await client.version(), /^\d+\.\d+/);
  const workers = await client.workers();
  const me = workers.find((w) => w.worker_id === worker.workerId);
  assert.ok(me, 'the worker is listed');
  assert.equal(me.transport, 'grpc');
  assert.ok(me.functions.includes('echo'));
  const handle = await client.submit('queued-only', 'x');
  const jobs = await client.listJobs('queued-only');
  assert.deepEqual(jobs.map((j) => [j.handle, j.state, j.background]), [[handle, 'QUEUED', true]]);
});

test('an unreachable server gives UNAVAILABLE', async () => {
  const { freePort } = require('./helpers');
  const port = await freePort();
  const lonely = new Client({ address: `127.0.0.1:${port}` });
  try {
    const error = await lonely.submit('x', 'y', { timeoutMs: 5000 }).catch((e) => e);
    assert.ok(error instanceof GeargateError);
    assert.equal(error.code, grpc.status.UNAVAILABLE);
  } finally {
    lonely.close();
  }
});
