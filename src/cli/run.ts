/**
 * Command dispatch for the CLI, with I/O passed in so tests can run it in-process.
 * @module
 */
import { readFile, writeFile } from "node:fs/promises";
import type { Readable } from "node:stream";
import type { Family } from "../ast/index.js";
import type { IpsetSave } from "../ast/ipset.js";
import { type Diagnostic, formatDiagnostic, hasErrors } from "../diagnostic/index.js";
import { printRuleset } from "../ast/index.js";
import { type EquivalenceResult, checkEquivalence, describeCounterexample } from "../eval/index.js";
import { checkInNetns, type CommandRunner, systemRunner } from "../host/index.js";
import type { NftRuleset } from "../nft/index.js";
import { printNftJsonText, printNftText } from "../nft/index.js";
import { parseIpsetSave, parseRuleset } from "../parse/index.js";
import { translate } from "../translate/index.js";
import { runHostCommand } from "./host.js";

/** Where the CLI reads and writes, and how it runs commands. */
export interface CliIO {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
  readonly stdin: Readable;
  readonly isStderrTTY: boolean;
  /** Runs host commands (`ip`, `nft`); defaults to the real system. */
  readonly run?: CommandRunner;
}

/** Exit codes, as documented in the README. */
export const ExitCode = { ok: 0, refused: 1, badInput: 2, kernelRejected: 3 } as const;

/** The usage text. */
export const usage = `usage: ipt2nft [translate] [FILE|-] [options]
       ipt2nft fmt [FILE|-] [options]
       ipt2nft equiv [FILE|-] [--ipset FILE] [-4|-6] [--packets N] [--seed N]
       ipt2nft host [options]   (see ipt2nft host --help)

commands:
  translate (default)      translate an iptables-save dump to nftables
  fmt                      print the dump in canonical iptables-save form
  equiv                    translate, then run generated packets through both rulesets and
                           compare the outcomes; prints a counterexample when they differ
  host                     migrate this host's iptables rules (or --from DIR), optionally --apply
                           with automatic rollback

options:
  -o, --output FILE        write the result to FILE instead of stdout
  --json                   write libnftables JSON (nft -j -f) instead of nft -f text
  --ipset FILE             ipset save output defining the sets -m set and -j SET use
  -4, -6                   the input is IPv4 / IPv6 (default: from the file's header)
  --allow-untranslated     emit rules with no nft equivalent as # UNTRANSLATED comments
                           (with warnings) instead of refusing
  --check                  load the result with nft -c in a throwaway network namespace
                           (needs root)
  --replace-tables         start the nft file by deleting the tables it defines, so loading
                           it replaces exactly those tables
  --packets N              equiv: packets to generate per path (default 200)
  --seed N                 equiv: seed of the packet generator (default 1)
  --diagnostics json|text  how to print diagnostics on stderr (default text)
  -h, --help               show this help

exit codes: 0 ok (equiv: equivalent), 1 refused (rules with no nft equivalent; equiv: a
            counterexample, or an evaluator cannot model the ruleset), 2 bad input or usage,
            3 nft rejected the output (--check)
`;

interface CliOptions {
  command: "translate" | "fmt" | "equiv";
  input: string;
  output?: string;
  json: boolean;
  ipset?: string;
  family?: Family;
  allowUntranslated: boolean;
  check: boolean;
  replaceTables: boolean;
  diagnosticsJson: boolean;
  /** equiv: packets per path. */
  packets?: number;
  /** equiv: seed of the packet generator. */
  seed?: number;
}

type Parsed = { readonly options: CliOptions } | { readonly exit: number; readonly message?: string; readonly help?: true };

/** Parses argv; an error is a message plus exit code 2. */
export function parseArgs(argv: readonly string[]): Parsed {
  const o: CliOptions = { command: "translate", input: "-", json: false, allowUntranslated: false, check: false, replaceTables: false, diagnosticsJson: false };
  const positional: string[] = [];
  const valueOf = (i: number, flag: string): string | { exit: number; message: string } => {
    const v = argv[i];
    return v === undefined ? { exit: ExitCode.badInput, message: `${flag} needs a value` } : v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? "";
    switch (a) {
      case "-h":
      case "--help":
        return { exit: ExitCode.ok, help: true };
      case "-o":
      case "--output":
      case "--ipset":
      case "--packets":
      case "--seed":
      case "--diagnostics": {
        const v = valueOf(++i, a);
        if (typeof v !== "string") return v;
        if (a === "--ipset") o.ipset = v;
        else if (a === "--packets" || a === "--seed") {
          // Whole decimal numbers only: Number("") and Number("1e3") would slip through.
          if (!/^\d{1,9}$/.test(v) || (a === "--packets" && Number(v) === 0)) return { exit: ExitCode.badInput, message: `${a} takes a ${a === "--packets" ? "positive " : ""}whole number, got ${v}` };
          if (a === "--packets") o.packets = Number(v);
          else o.seed = Number(v);
        }
        else if (a === "--diagnostics") {
          if (v !== "json" && v !== "text") return { exit: ExitCode.badInput, message: "--diagnostics takes json or text" };
          o.diagnosticsJson = v === "json";
        } else o.output = v;
        break;
      }
      case "--json":
        o.json = true;
        break;
      case "-4":
        o.family = "ipv4";
        break;
      case "-6":
        o.family = "ipv6";
        break;
      case "--allow-untranslated":
        o.allowUntranslated = true;
        break;
      case "--check":
        o.check = true;
        break;
      case "--replace-tables":
        o.replaceTables = true;
        break;
      default:
        if (a.startsWith("-") && a !== "-") return { exit: ExitCode.badInput, message: `unknown option ${a}` };
        positional.push(a);
    }
  }
  if (positional[0] === "fmt" || positional[0] === "translate" || positional[0] === "equiv") o.command = positional.shift() as "fmt" | "translate" | "equiv";
  if (positional.length > 1) return { exit: ExitCode.badInput, message: `one input file expected, got ${positional.join(" ")}` };
  o.input = positional[0] ?? "-";
  return { options: o };
}

async function readInput(path: string, stdin: Readable): Promise<string> {
  if (path === "-") {
    const chunks: Buffer[] = [];
    for await (const c of stdin) chunks.push(typeof c === "string" ? Buffer.from(c) : (c as Buffer));
    return Buffer.concat(chunks).toString("utf8");
  }
  return readFile(path, "utf8");
}

function report(io: CliIO, diagnostics: readonly Diagnostic[], sources: ReadonlyMap<string, string>, json: boolean): void {
  for (const d of diagnostics) io.stderr(json ? `${JSON.stringify(d)}\n` : `${formatDiagnostic(d, sources.get(d.file ?? ""))}\n`);
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  if (argv[0] === "host") return runHostCommand(argv.slice(1), io);
  const parsed = parseArgs(argv);
  if ("exit" in parsed) {
    if (parsed.help === true) io.stdout(usage);
    else io.stderr(`ipt2nft: ${parsed.message ?? ""}\n${usage}`);
    return parsed.exit;
  }
  const o = parsed.options;
  const name = o.input === "-" ? "<stdin>" : o.input;
  const sources = new Map<string, string>();
  let source: string;
  try {
    source = await readInput(o.input, io.stdin);
  } catch (e) {
    io.stderr(`ipt2nft: cannot read ${o.input}: ${(e as Error).message}\n`);
    return ExitCode.badInput;
  }
  sources.set(name, source);
  const parsedRules = parseRuleset(source, { file: name, ...(o.family === undefined ? {} : { family: o.family }) });
  if (parsedRules.value === undefined || hasErrors(parsedRules.diagnostics)) {
    report(io, parsedRules.diagnostics, sources, o.diagnosticsJson);
    return ExitCode.badInput;
  }
  const diagnostics: Diagnostic[] = [...parsedRules.diagnostics];
  let output: string;
  let exit: number = ExitCode.ok;
  if (o.command === "fmt") {
    output = printRuleset(parsedRules.value);
  } else {
    let ipsets: IpsetSave | undefined;
    if (o.ipset !== undefined) {
      let ipsetText: string;
      try {
        ipsetText = await readFile(o.ipset, "utf8");
      } catch (e) {
        io.stderr(`ipt2nft: cannot read ${o.ipset}: ${(e as Error).message}\n`);
        return ExitCode.badInput;
      }
      sources.set(o.ipset, ipsetText);
      const ip = parseIpsetSave(ipsetText, { file: o.ipset });
      if (ip.value === undefined || hasErrors(ip.diagnostics)) {
        report(io, [...diagnostics, ...ip.diagnostics], sources, o.diagnosticsJson);
        return ExitCode.badInput;
      }
      diagnostics.push(...ip.diagnostics);
      ipsets = ip.value;
    }
    const t = translate(parsedRules.value, { file: name, allowUntranslated: o.allowUntranslated, ...(ipsets === undefined ? {} : { ipsets }) });
    diagnostics.push(...t.diagnostics);
    if (t.value === undefined) {
      report(io, diagnostics, sources, o.diagnosticsJson);
      const count = t.diagnostics.filter((d) => d.code === "untranslatable").length;
      if (!o.diagnosticsJson) io.stderr(`ipt2nft: refused: ${count} construct(s) have no nft equivalent (listed above); --allow-untranslated emits them as comments\n`);
      return ExitCode.refused;
    }
    const printOptions = { preamble: o.replaceTables ? "replace-tables" : "none" } as const;
    if (o.command === "equiv") {
      const result = checkEquivalence(parsedRules.value, t.value.nft, { ...(o.packets === undefined ? {} : { count: o.packets }), ...(o.seed === undefined ? {} : { seed: o.seed }), ...(ipsets === undefined ? {} : { ipsets }) });
      output = equivalenceReport(printRuleset(parsedRules.value), t.value.nft, result);
      if (!result.equivalent) exit = ExitCode.refused;
    } else output = o.json ? `${printNftJsonText(t.value.nft, printOptions)}\n` : printNftText(t.value.nft, printOptions);
    if (o.check) {
      const checked = await checkInNetns(output, o.json ? "json" : "text", io.run ?? systemRunner);
      if (!checked.ok) {
        report(io, diagnostics, sources, o.diagnosticsJson);
        io.stderr(`ipt2nft: --check: nft rejected the output: ${checked.message}\n`);
        return ExitCode.kernelRejected;
      }
    }
  }
  report(io, diagnostics, sources, o.diagnosticsJson);
  if (o.output === undefined) io.stdout(output);
  else {
    try {
      await writeFile(o.output, output);
    } catch (e) {
      io.stderr(`ipt2nft: cannot write ${o.output}: ${(e as Error).message}\n`);
      return ExitCode.badInput;
    }
  }
  return exit;
}

/**
 * What `ipt2nft equiv` prints: the counts checked, the packets an evaluator could not model (by side and
 * reason, most frequent first), and for a difference both rulesets as text, the packet and both outcomes.
 */
function equivalenceReport(iptablesText: string, nft: NftRuleset, result: EquivalenceResult): string {
  const notModelled = (unsupported: Extract<EquivalenceResult, { kind: "equivalent" }>["unsupported"]): string[] => {
    const byReason = new Map<string, number>();
    for (const u of unsupported) {
      const reason = `${u.side}: ${u.feature}: ${u.message}`;
      byReason.set(reason, (byReason.get(reason) ?? 0) + 1);
    }
    const lines = [...byReason].sort(([a, m], [b, n]) => n - m || a.localeCompare(b)).map(([reason, n]) => `  ${String(n)} × ${reason}`);
    return unsupported.length === 0 ? [] : [`${String(unsupported.length)} packet(s) not compared: an evaluator does not model them:`, ...lines];
  };
  switch (result.kind) {
    case "equivalent":
      return [`equivalent: ${String(result.packets)} packet(s) checked on ${String(result.paths.length)} path(s) (${result.paths.join(", ")})`, ...notModelled(result.unsupported), ""].join("\n");
    case "counterexample":
      return [
        `not equivalent: a packet gets different outcomes (${String(result.packets)} packet(s) agreed before it)`,
        ...notModelled(result.unsupported),
        "--- iptables-save",
        iptablesText.trimEnd(),
        "--- nft",
        printNftText(nft).trimEnd(),
        "--- counterexample",
        describeCounterexample(result),
        "",
      ].join("\n");
    case "unchecked":
      return `not checked: the ${result.side} evaluator does not model ${result.feature}: ${result.message}\n`;
    default:
      return assertNever(result);
  }
}

function assertNever(x: never): never {
  throw new Error(`unhandled ${JSON.stringify(x)}`);
}
