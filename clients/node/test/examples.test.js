'use strict';
const { test } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { spawn, execFile } = require('node:child_process');
const readline = require('node:readline');
const { startServer } = require('./helpers');

const root = path.join(__dirname, '..');

/** Spawns a node program and resolves once it printed `ready`. */
function startReady(args) {
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
  const exit = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const ready = new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout });
    lines.once('line', (line) => (line === 'ready' ? resolve() : reject(new Error(`got ${line}`))));
    child.once('exit', (code) => reject(new Error(`exited ${code} before ready`)));
  });
  return { child, exit, ready };
}

async function terminate(proc) {
  proc.child.kill('SIGTERM');
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), 5000);
  const result = await proc.exit;
  clearTimeout(timer);
  return result;
}

function runNode(args, input) {
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, args, { cwd: root, timeout: 30_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
    );
    if (input !== undefined) child.stdin.end(input);
  });
}

test('the example client prints 5 for Linvo via the example worker', async () => {
  const server = await startServer();
  const worker = startReady(['examples/worker.js', server.address]);
  try {
    await worker.ready;
    assert.equal(await runNode(['examples/client.js', server.address]), '5\n');
  } finally {
    const { code } = await terminate(worker);
    await server.stop();
    assert.equal(code, 0);
  }
});

test('the matrix programs run every case kind', async () => {
  const server = await startServer();
  const address = `127.0.0.1:${server.gearmanPort}`;
  const worker = startReady([
    'interop/geargate-interop.js', 'worker', '--gearman', address, '--grpc', server.address, '--prefix', 'nd',
  ]);
  try {
    await worker.ready;
    const big = Buffer.alloc(1024 * 1024, 0);
    big.write('head\0tail');
    const b64 = (s) => Buffer.from(s).toString('base64');
    const cases = [
      { id: 'c1', op: 'call', function: 'nd_echo', payload: big.toString('base64') },
      { id: 'c2', op: 'call', function: 'nd_progress', payload: b64('p') },
      { id: 'c3', op: 'call', function: 'nd_fail', payload: '' },
      { id: 'c4', op: 'call', function: 'nd_throw', payload: '' },
      { id: 'c5', op: 'background', function: 'nd_slow', payload: b64('s') },
      { id: 'c6', op: 'call', function: '', payload: '' },
    ];
    const input = cases.map((c) => JSON.stringify(c)).join('\n') + '\n';
    const out = (await runNode(['interop/geargate-interop.js', 'client', '--gearman', address, '--grpc', server.address], input))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    assert.deepEqual(out.map((o) => o.id), ['c1', 'c2', 'c3', 'c4', 'c5', 'c6']);
    assert.equal(out[0].outcome, 'complete');
    assert.ok(Buffer.from(out[0].data, 'base64').equals(big));
    assert.deepEqual(out[1], {
      id: 'c2',
      outcome: 'complete',
      data: b64('p'),
      data_events: [b64('d1'), b64('d2')],
      status_events: [[1, 2]],
    });
    assert.equal(out[2].outcome, 'fail');
    assert.equal(out[3].outcome, 'exception');
    assert.equal(Buffer.from(out[3].data, 'base64').toString(), 'boom');
    assert.equal(out[4].outcome, 'complete');
    assert.match(out[4].handle, /^H:/);
    assert.ok(out[4].polls >= 2);
    assert.equal(out[4].seen_running, true);
    assert.equal(out[5].outcome, 'error');
    assert.match(out[5].error, /INVALID_ARGUMENT/);
  } finally {
    const { code } = await terminate(worker);
    await server.stop();
    assert.equal(code, 0);
  }
});
