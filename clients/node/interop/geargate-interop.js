#!/usr/bin/env node
// Matrix program for tests/interop (see clients/node/README.md):
//   node interop/geargate-interop.js worker --gearman HOST:PORT --grpc HOST:PORT --prefix P
//   node interop/geargate-interop.js client --gearman HOST:PORT --grpc HOST:PORT  < cases.jsonl
// This is a gRPC client, so only --grpc is used; --gearman is accepted and ignored.
'use strict';

const readline = require('node:readline');
const { Client, Worker, WorkFail } = require('..');

const CASE_TIMEOUT_MS = 30_000;
const POLL_INTERVAL_MS = 50;
const POLL_LIMIT_MS = 20_000;

function parseArgs(argv) {
  const [mode, ...rest] = argv;
  const flags = {};
  for (let i = 0; i < rest.length; i += 1) {
    const arg = rest[i];
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg}`);
    const eq = arg.indexOf('=');
    if (eq > 0) flags[arg.slice(2, eq)] = arg.slice(eq + 1);
    else {
      flags[arg.slice(2)] = rest[i + 1];
      i += 1;
    }
  }
  return { mode, flags };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function runWorker(flags) {
  const prefix = flags.prefix ?? 'node';
  const worker = new Worker({ address: flags.grpc, concurrency: 8, workerId: `node-interop-${prefix}-${process.pid}` });
  worker.handle(`${prefix}_echo`, (job) => job.payload);
  worker.handle(`${prefix}_progress`, (job) => {
    job.sendData('d1');
    job.sendStatus(1, 2);
    job.sendWarning('w1');
    job.sendData('d2');
    return job.payload;
  });
  worker.handle(`${prefix}_fail`, () => {
    throw new WorkFail();
  });
  worker.handle(`${prefix}_throw`, () => {
    throw new Error('boom');
  });
  worker.handle(`${prefix}_slow`, async (job) => {
    await sleep(300);
    return job.payload;
  });
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    worker.stop({ timeoutMs: 1000 }).finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  const running = worker.run();
  worker.ready().then(() => process.stdout.write('ready\n'));
  try {
    await running;
  } catch (error) {
    process.stderr.write(`worker: ${error.message}\n`);
    process.exit(1);
  }
}

async function callCase(client, c, signal) {
  const out = { id: c.id, outcome: 'error', data: '', data_events: [], status_events: [] };
  for await (const event of client.run(c.function, Buffer.from(c.payload ?? '', 'base64'), { signal })) {
    switch (event.type) {
      case 'data':
        out.data_events.push(event.data.toString('base64'));
        break;
      case 'status':
        out.status_events.push([event.numerator, event.denominator]);
        break;
      case 'complete':
      case 'exception':
        out.outcome = event.type;
        out.data = event.data.toString('base64');
        break;
      case 'fail':
        out.outcome = 'fail';
        break;
      default:
        break;
    }
  }
  if (out.outcome === 'error') out.error = 'the event stream ended without an outcome';
  return out;
}

async function backgroundCase(client, c, signal) {
  const handle = await client.submit(c.function, Buffer.from(c.payload ?? '', 'base64'), { signal });
  const out = { id: c.id, outcome: 'error', handle, polls: 0, seen_running: false };
  const deadline = Date.now() + POLL_LIMIT_MS;
  while (Date.now() < deadline) {
    const status = await client.status(handle, { signal });
    out.polls += 1;
    if (status.running) out.seen_running = true;
    if (!status.known) {
      out.outcome = 'complete';
      return out;
    }
    await sleep(POLL_INTERVAL_MS);
  }
  out.error = 'the job was still known after 20 s';
  return out;
}

async function runCase(client, c) {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, CASE_TIMEOUT_MS);
  try {
    if (c.op === 'call') return await callCase(client, c, controller.signal);
    if (c.op === 'background') return await backgroundCase(client, c, controller.signal);
    return { id: c.id, outcome: 'error', error: `unknown op ${c.op}` };
  } catch (error) {
    return { id: c.id, outcome: 'error', error: timedOut ? 'timeout' : error.message };
  } finally {
    clearTimeout(timer);
  }
}

async function runClient(flags) {
  const client = new Client({ address: flags.grpc });
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    let c;
    try {
      c = JSON.parse(line);
    } catch (error) {
      process.stdout.write(`${JSON.stringify({ id: null, outcome: 'error', error: `bad JSON: ${error.message}` })}\n`);
      continue;
    }
    const out = await runCase(client, c);
    process.stdout.write(`${JSON.stringify(out)}\n`);
  }
  client.close();
}

async function main() {
  const { mode, flags } = parseArgs(process.argv.slice(2));
  if (mode === 'worker') await runWorker(flags);
  else if (mode === 'client') await runClient(flags);
  else {
    process.stderr.write('usage: geargate-interop.js worker|client --gearman H:P --grpc H:P [--prefix P]\n');
    process.exit(2);
  }
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
