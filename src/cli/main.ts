#!/usr/bin/env node
/**
 * The `ipt2nft` command line.
 * @module
 */
import { runCli } from "./run.js";

runCli(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  stdin: process.stdin,
  isStderrTTY: process.stderr.isTTY,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    // A crash is a bug in ipt2nft, never the input's fault: say so, and exit like a bad invocation.
    process.stderr.write(`ipt2nft: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 2;
  },
);
