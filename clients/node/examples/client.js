// Sends `Linvo` to `title` and prints the answer (5).
// Run: node examples/client.js [host:port]   (default localhost:50051)
const { Client } = require('@geargate/client');

const client = new Client({ address: process.argv[2] ?? 'localhost:50051', timeoutMs: 30_000 });
client
  .call('title', 'Linvo')
  .then((result) => console.log(result.data.toString()))
  .catch((error) => {
    console.error(error.message);
    process.exitCode = 1;
  })
  .finally(() => client.close());
