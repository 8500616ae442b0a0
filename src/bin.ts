#!/usr/bin/env node
import { runCli } from './cli.js';
import { ignoreGoneReaders, processIo } from './process-io.js';

ignoreGoneReaders();
process.exitCode = await runCli(process.argv.slice(2), processIo());
