#!/usr/bin/env node
// Entry point of the `tr069-client` command (package.json "bin").
import { setFlagsFromString } from 'node:v8';

// The daemon keeps V8's young generation at its initial 1 MiB instead of letting it grow towards
// server sizes: it idles between sessions and a CPE's RAM is scarce (idle RSS -2 MiB, a 5×
// GetParameterValues("Device.") session's time within noise). Set before the rest of the program is
// loaded, so start-up allocations do not grow it first. Only for `run`: V8 reports a flag it does not
// know on stdout, which must stay clean for `print --json` whatever Node version runs us.
const daemon = process.argv.slice(2).includes('run');
if (daemon) {
  setFlagsFromString('--max-semi-space-size=1');
  setFlagsFromString('--semi-space-growth-factor=1');
}

// Output piped into a reader that stops early (`tr069-client get Device. | head`): a command stops
// quietly, as other command-line tools do, instead of dying on an unhandled EPIPE. The daemon keeps
// running when its console goes away (it still logs to <data-dir>/client.log).
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    if (!daemon) process.exit(process.exitCode ?? 0);
  });
}

const { main } = await import('./program.js');
process.exitCode = await main(process.argv.slice(2));
