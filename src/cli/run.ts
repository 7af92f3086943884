/**
 * Command dispatch for the CLI, with I/O passed in so tests can run it in-process.
 * @module
 */
import { readFile } from "node:fs/promises";
import type { Readable } from "node:stream";
import { type Diagnostic, formatDiagnostic, hasErrors, parseRuleset, printRuleset } from "../index.js";

/** Where the CLI reads and writes. */
export interface CliIO {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
  readonly stdin: Readable;
  readonly isStderrTTY: boolean;
}

/** Exit codes, as documented in the README. */
export const ExitCode = { ok: 0, refused: 1, badInput: 2 } as const;

const usage = `usage: ipt2nft <command> [options]

commands:
  fmt [FILE|-]        print the ruleset in canonical iptables-save form

options:
  --diagnostics json  print diagnostics as JSON lines on stderr
  -h, --help          show this help
`;

async function readInput(path: string, stdin: Readable): Promise<string> {
  if (path === "-") {
    const chunks: Buffer[] = [];
    for await (const c of stdin) chunks.push(typeof c === "string" ? Buffer.from(c) : (c as Buffer));
    return Buffer.concat(chunks).toString("utf8");
  }
  return readFile(path, "utf8");
}

function report(io: CliIO, diagnostics: readonly Diagnostic[], source: string, json: boolean): void {
  for (const d of diagnostics) io.stderr(json ? `${JSON.stringify(d)}\n` : `${formatDiagnostic(d, source)}\n`);
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  const args = [...argv];
  let json = false;
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? "";
    if (a === "-h" || a === "--help") {
      io.stdout(usage);
      return ExitCode.ok;
    }
    if (a === "--diagnostics") {
      const v = args[++i];
      if (v !== "json" && v !== "text") {
        io.stderr(`ipt2nft: --diagnostics takes json or text\n${usage}`);
        return ExitCode.badInput;
      }
      json = v === "json";
      continue;
    }
    if (a.startsWith("-") && a !== "-") {
      io.stderr(`ipt2nft: unknown option ${a}\n${usage}`);
      return ExitCode.badInput;
    }
    positional.push(a);
  }
  const [command, file = "-", ...rest] = positional;
  if (command !== "fmt") {
    io.stderr(command === undefined ? usage : `ipt2nft: unknown command ${command}\n${usage}`);
    return ExitCode.badInput;
  }
  if (rest.length > 0) {
    io.stderr(`ipt2nft: fmt takes one input file\n`);
    return ExitCode.badInput;
  }
  let source: string;
  try {
    source = await readInput(file, io.stdin);
  } catch (e) {
    io.stderr(`ipt2nft: cannot read ${file}: ${(e as Error).message}\n`);
    return ExitCode.badInput;
  }
  const { value, diagnostics } = parseRuleset(source, { file });
  report(io, diagnostics, source, json);
  if (value === undefined || hasErrors(diagnostics)) return ExitCode.badInput;
  io.stdout(printRuleset(value));
  return ExitCode.ok;
}
