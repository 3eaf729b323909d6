#!/usr/bin/env node
// Entry point of the `tr069-client` command (package.json "bin").
import { main } from './program.js';

process.exitCode = await main(process.argv.slice(2));
