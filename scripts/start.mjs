// `npm start` (after scripts/setup.mjs): builds the demo page with Vite and serves the build on
// http://localhost:5173, or the next free port, until stopped with Ctrl+C.
//   --port N       start looking at port N instead of 5173
//   --strict-port  fail if that port is taken (the end-to-end tests pass the port they chose)
//   --host H       listen on H instead of localhost
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { build, preview } from 'vite';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const configFile = join(root, 'demo', 'vite.config.ts');

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '5173' },
    'strict-port': { type: 'boolean', default: false },
    host: { type: 'string', default: 'localhost' },
  },
});
const port = Number(values.port);
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  console.error(`start: --port ${values.port} is not a port number (1 to 65535)`);
  process.exit(1);
}

await build({ configFile, logLevel: 'warn' });
const server = await preview({
  configFile,
  preview: { port, strictPort: values['strict-port'], host: values.host, open: false },
});
const url = server.resolvedUrls?.local[0] ?? `http://${values.host}:${port}/`;
console.log(`\n  webgpu-activations demo: ${url}\n  (Ctrl+C stops the server)\n`);
