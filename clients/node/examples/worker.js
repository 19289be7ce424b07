// A worker for `title`: answers the length of its workload as decimal text.
// Run: node examples/worker.js [host:port]   (default localhost:50051)
const { Worker } = require('@geargate/client');

const worker = new Worker({ address: process.argv[2] ?? 'localhost:50051', concurrency: 4 });
worker.handle('title', (job) => String(job.payload.length));
worker.ready().then(() => console.log('ready'));
process.on('SIGTERM', () => worker.stop().then(() => process.exit(0)));
worker.run().catch((error) => {
  console.error(error.message);
  process.exit(1);
});
