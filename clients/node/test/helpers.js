'use strict';
// Starts a real `geargate serve` (from PATH) on free loopback ports for one test file.
const { spawn } = require('node:child_process');
const net = require('node:net');

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function canConnect(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts geargate; `ports` reuses the ports of an earlier server (restart). */
async function startServer({ args = [], ports } = {}) {
  const gearmanPort = ports?.gearmanPort ?? (await freePort());
  const grpcPort = ports?.grpcPort ?? (await freePort());
  const child = spawn(
    'geargate',
    ['serve', '-p', String(gearmanPort), '-L', '127.0.0.1', '--grpc-port', String(grpcPort), '-l', 'none', '--store', 'memory', ...args],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  let exited = false;
  const exit = new Promise((resolve) => child.once('exit', (code, signal) => {
    exited = true;
    resolve({ code, signal });
  }));
  const server = {
    gearmanPort,
    grpcPort,
    address: `127.0.0.1:${grpcPort}`,
    ports: { gearmanPort, grpcPort },
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exit;
      clearTimeout(timer);
    },
  };
  for (let i = 0; i < 200; i += 1) {
    if (exited) throw new Error(`geargate exited at start: ${stderr}`);
    if ((await canConnect(grpcPort)) && (await canConnect(gearmanPort))) return server;
    await sleep(50);
  }
  await server.stop();
  throw new Error(`geargate did not listen on ${grpcPort}: ${stderr}`);
}

/** Resolves when `predicate()` (maybe async) is true; rejects after `timeoutMs`. */
async function waitFor(predicate, what, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await predicate()) return;
    await sleep(20);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A promise with its resolve function exposed. */
function deferred() {
  let resolve;
  const promise = new Promise((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

module.exports = { startServer, freePort, sleep, waitFor, deferred };
