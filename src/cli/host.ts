/**
 * `ipt2nft host`: migrate a host's iptables rules to nftables, and with `--apply` load them with an
 * automatic rollback.
 * @module
 */
import { resolve } from "node:path";
import { formatDiagnostic, type Diagnostic } from "../diagnostic/index.js";
import { printRuleset } from "../ast/index.js";
import {
  applyHostRuleset,
  type ApplyPlan,
  type ApplySummary,
  checkInNetns,
  collectFromDirectory,
  collectFromHost,
  confirmFromStream,
  convertHostInput,
  formatHostSummary,
  type HostConversion,
  type HostInput,
  type IptablesVariant,
  type LegacyMigration,
  legacyTools,
  type ManagerId,
  nodeHostFiles,
  parseManagerList,
  summariseHost,
  systemRunner,
  type ValidationResult,
  type EquivalenceSummary,
  chainManagers,
} from "../host/index.js";
import { checkEquivalence, describeCounterexample } from "../eval/index.js";
import type { CliIO } from "./run.js";

/** Exit codes of `ipt2nft host`; 0-3 mean what they mean for translate. */
export const HostExitCode = { ok: 0, refused: 1, badInput: 2, kernelRejected: 3, notApplied: 4, rollbackFailed: 5 } as const;

/** The usage text of `ipt2nft host`. */
export const hostUsage = `usage: ipt2nft host [options]

Collects the host's iptables rules (iptables-save -c, ip6tables-save -c, ipset save) or reads them from
--from DIR, translates IPv4 and IPv6, checks the result with nft -c in a throwaway network namespace, and
writes one .nft file that replaces only its own tables. A summary goes to stderr.

options:
  --from DIR               read iptables-save.txt, ip6tables-save.txt, ipset-save.txt from DIR
                           (any of them) instead of running the tools
  --iptables legacy|nft    run iptables-legacy-save or iptables-nft-save instead of iptables-save
  -o, --output FILE        the .nft file to write (default ipt2nft-host.nft)
  --exclude-managed LIST   leave out the chains of these managers and the rules that jump into them;
                           LIST is comma-separated: ${chainManagers.map((m) => m.id).join(", ")}
  --allow-untranslated     write rules with no nft equivalent as # UNTRANSLATED comments instead of refusing
  --no-check               do not check the file with nft -c (which needs root)
  --summary-json FILE      also write the summary as JSON
  --diagnostics json|text  how to print diagnostics on stderr (default text)
  --apply                  load the file now: save the current state (next to the file), load it in one
                           nft -f transaction, empty the migrated legacy iptables tables, and wait for "yes"
                           on stdin; anything else or no answer restores the previous rules
  --confirm-timeout SECS   how long --apply waits for "yes" (default 30)
  -h, --help               show this help

exit codes: 0 ok (and confirmed), 1 refused, 2 bad input, usage or I/O error, 3 nft rejected the file
            (nothing changed), 4 not applied or rolled back (the previous rules are in place),
            5 rollback incomplete (see the summary; the saved state is next to the file)
`;

interface HostCliOptions {
  from?: string;
  output: string;
  exclude: ManagerId[];
  iptables: IptablesVariant;
  allowUntranslated: boolean;
  check: boolean;
  summaryJson?: string;
  diagnosticsJson: boolean;
  apply: boolean;
  confirmTimeout: number;
}

type ParsedHostArgs = { readonly options: HostCliOptions } | { readonly exit: number; readonly message?: string; readonly help?: true };

/** Parses the arguments after `host`; an error is a message plus exit code 2. */
export function parseHostArgs(argv: readonly string[]): ParsedHostArgs {
  const o: HostCliOptions = { output: "ipt2nft-host.nft", exclude: [], iptables: "default", allowUntranslated: false, check: true, diagnosticsJson: false, apply: false, confirmTimeout: 30 };
  const bad = (message: string): ParsedHostArgs => ({ exit: HostExitCode.badInput, message });
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? "";
    switch (a) {
      case "-h":
      case "--help":
        return { exit: HostExitCode.ok, help: true };
      case "--allow-untranslated":
        o.allowUntranslated = true;
        continue;
      case "--no-check":
        o.check = false;
        continue;
      case "--apply":
        o.apply = true;
        continue;
      case "--from":
      case "-o":
      case "--output":
      case "--exclude-managed":
      case "--iptables":
      case "--summary-json":
      case "--diagnostics":
      case "--confirm-timeout":
        break;
      default:
        return bad(a.startsWith("-") ? `unknown option ${a}` : `host takes no file argument (got ${a}); use --from DIR`);
    }
    const v = argv[++i];
    if (v === undefined) return bad(`${a} needs a value`);
    switch (a) {
      case "--from":
        o.from = v;
        break;
      case "-o":
      case "--output":
        o.output = v;
        break;
      case "--summary-json":
        o.summaryJson = v;
        break;
      case "--exclude-managed": {
        const list = parseManagerList(v);
        if ("unknown" in list) return bad(`--exclude-managed: unknown manager ${list.unknown.join(", ")} (known: ${chainManagers.map((m) => m.id).join(", ")})`);
        o.exclude.push(...list.ids.filter((id) => !o.exclude.includes(id)));
        break;
      }
      case "--iptables":
        if (v !== "legacy" && v !== "nft") return bad("--iptables takes legacy or nft");
        o.iptables = v;
        break;
      case "--diagnostics":
        if (v !== "json" && v !== "text") return bad("--diagnostics takes json or text");
        o.diagnosticsJson = v === "json";
        break;
      case "--confirm-timeout": {
        const n = Number(v);
        if (!/^\d+(\.\d+)?$/.test(v) || n <= 0 || n > 3600) return bad("--confirm-timeout takes a number of seconds between 0 and 3600");
        o.confirmTimeout = n;
        break;
      }
    }
  }
  return { options: o };
}

function reportDiagnostics(io: CliIO, diagnostics: readonly Diagnostic[], input: HostInput, json: boolean): void {
  const sources = new Map<string, string>();
  for (const d of [input.ipv4, input.ipv6, input.ipset]) if (d !== undefined) sources.set(d.name, d.text);
  for (const d of diagnostics) io.stderr(json ? `${JSON.stringify(d)}\n` : `${formatDiagnostic(d, sources.get(d.file ?? ""))}\n`);
}

/** The legacy rules an apply takes over: every family that was translated, with the tools it came from. */
function legacyMigrations(input: HostInput, conversion: HostConversion): LegacyMigration[] {
  return conversion.families.map((f) => ({
    family: f.family,
    tools: input.tools?.[f.family] ?? legacyTools[f.family],
    translatedDump: f.source.text,
    remainder: printRuleset(f.exclusion.remainder),
  }));
}

const stopSignals: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/**
 * While an apply runs, signals must not kill the process between the load and the rollback, and a terminal
 * that hung up must not turn the next write into a crash. Returns the undo.
 */
function shieldApply(): () => void {
  const ignore = (): void => undefined;
  for (const s of stopSignals) process.on(s, ignore);
  process.stdout.on("error", ignore);
  process.stderr.on("error", ignore);
  return () => {
    for (const s of stopSignals) process.removeListener(s, ignore);
    process.stdout.removeListener("error", ignore);
    process.stderr.removeListener("error", ignore);
  };
}

function applyExitCode(a: ApplySummary): number {
  switch (a.status) {
    case "confirmed":
      return HostExitCode.ok;
    case "load-failed":
      return a.differences.length === 0 ? HostExitCode.kernelRejected : HostExitCode.rollbackFailed;
    case "rolled-back":
    case "not-applied":
      return HostExitCode.notApplied;
    case "rollback-failed":
      return HostExitCode.rollbackFailed;
    default:
      return assertNever(a.status);
  }
}

/** Runs `ipt2nft host` with the arguments after `host`, and returns the exit code. */
export async function runHostCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const parsed = parseHostArgs(argv);
  if ("exit" in parsed) {
    if (parsed.help === true) io.stdout(hostUsage);
    else io.stderr(`ipt2nft host: ${parsed.message ?? ""}\n${hostUsage}`);
    return parsed.exit;
  }
  const o = parsed.options;
  const run = io.run ?? systemRunner;
  const progress = (m: string): void => {
    if (io.isStderrTTY) io.stderr(`ipt2nft: ${m}\n`);
  };
  const exclude = new Set(o.exclude);

  progress(o.from === undefined ? "collecting the host's rules" : `reading ${o.from}`);
  const collected = o.from === undefined ? await collectFromHost(run, o.iptables) : await collectFromDirectory(o.from, nodeHostFiles);
  if ("error" in collected) {
    io.stderr(`ipt2nft host: ${collected.error}\n`);
    return HostExitCode.badInput;
  }
  const input: HostInput = o.from !== undefined && o.iptables === "nft" ? { ...collected, backend: "nf_tables" } : collected;
  const conversion = convertHostInput(input, { exclude, allowUntranslated: o.allowUntranslated, progress });
  reportDiagnostics(io, conversion.diagnostics, input, o.diagnosticsJson);

  const equivalence = conversion.status === "ok" ? checkHostEquivalence(conversion, progress) : undefined;
  const finish = async (validation: ValidationResult, code: number, output?: string, apply?: ApplySummary): Promise<number> => {
    const summary = summariseHost(input, conversion, exclude, {
      validation,
      ...(equivalence === undefined ? {} : { equivalence }),
      ...(output === undefined ? {} : { output }),
      ...(apply === undefined ? {} : { apply }),
    });
    io.stderr(formatHostSummary(summary));
    if (o.summaryJson !== undefined) {
      try {
        await nodeHostFiles.writeText(o.summaryJson, `${JSON.stringify(summary, null, 2)}\n`);
      } catch (e) {
        io.stderr(`ipt2nft host: cannot write ${o.summaryJson}: ${(e as Error).message}\n`);
        return code === HostExitCode.ok ? HostExitCode.badInput : code;
      }
    }
    return code;
  };

  if (conversion.status === "bad-input") return finish({ status: "not-reached" }, HostExitCode.badInput);
  if (conversion.status === "refused" || conversion.text === undefined) return finish({ status: "not-reached" }, HostExitCode.refused);

  let validation: ValidationResult = { status: "skipped" };
  if (o.check) {
    progress("checking the file with nft -c in a throwaway network namespace");
    const checked = await checkInNetns(conversion.text, "text", run);
    if (checked.ok) validation = { status: "ok" };
    else if (checked.unavailable === true) validation = { status: "unavailable", message: checked.message };
    else return finish({ status: "rejected", message: checked.message }, HostExitCode.kernelRejected);
  }

  try {
    await nodeHostFiles.writeText(o.output, conversion.text);
  } catch (e) {
    io.stderr(`ipt2nft host: cannot write ${o.output}: ${(e as Error).message}\n`);
    return finish(validation, HostExitCode.badInput);
  }
  if (!o.apply) return finish(validation, HostExitCode.ok, o.output);
  if (equivalence?.status === "counterexample") {
    // The file is written for review, but a translation that treats a packet differently is never loaded.
    io.stderr("ipt2nft host: not applying: the translation treats a generated packet differently from the input (see the summary)\n");
    return finish(validation, HostExitCode.notApplied, o.output);
  }

  if (input.backend === "nf_tables") {
    const apply: ApplySummary = {
      status: "not-applied",
      message:
        "nothing was changed: the rules come from iptables-nft, so they already live in nft tables with the names this file uses (ip filter, ip nat, ...), and iptables-nft would keep writing into them. --apply migrates legacy iptables rules; review the file and load it yourself once nothing calls iptables any more",
      savedState: [],
      steps: [],
      differences: [],
    };
    return finish(validation, HostExitCode.notApplied, o.output, apply);
  }
  const output = resolve(o.output);
  const plan: ApplyPlan = {
    nftFile: output,
    ownedTables: conversion.ownedTables,
    legacy: legacyMigrations(input, conversion),
    savedStatePrefix: output,
    confirmTimeoutSeconds: o.confirmTimeout,
  };
  const unshield = shieldApply();
  let apply: ApplySummary;
  try {
    apply = await applyHostRuleset(plan, { run, files: nodeHostFiles, confirm: confirmFromStream(io.stdin, io.stderr), progress });
  } finally {
    unshield();
  }
  return finish(validation, applyExitCode(apply), o.output, apply);
}

function assertNever(x: never): never {
  throw new Error(`unhandled ${JSON.stringify(x)}`);
}

/** Packets per path the host command checks each family's translation on. */
const hostEquivalencePackets = 200;

/**
 * Runs each family's rules (after exclusions) and their translation on generated packets through both
 * evaluators. Rules left out with --allow-untranslated make the two differ on purpose: then it says so.
 */
function checkHostEquivalence(conversion: HostConversion, progress: (m: string) => void): EquivalenceSummary {
  const lines: string[] = [];
  let status: EquivalenceSummary["status"] = "equivalent";
  for (const f of conversion.families) {
    const t = f.translated;
    if (t === undefined) continue;
    if (t.untranslated.length > 0) {
      lines.push(`${f.family}: not checked, ${String(t.untranslated.length)} rule(s) were left out (--allow-untranslated)`);
      if (status === "equivalent") status = "not-checked";
      continue;
    }
    progress(`checking the ${f.family} translation on generated packets`);
    const r = checkEquivalence(f.exclusion.ruleset, t.nft, { count: hostEquivalencePackets });
    switch (r.kind) {
      case "equivalent":
        lines.push(`${f.family}: equivalent on ${String(r.packets)} packet(s) on ${String(r.paths.length)} path(s)${r.unsupported.length === 0 ? "" : `; ${String(r.unsupported.length)} packet(s) not modelled by an evaluator, not compared`}`);
        break;
      case "counterexample":
        status = "counterexample";
        lines.push(`${f.family}: DIFFERENT: a packet the two rulesets treat differently (a bug in ipt2nft, please report it):\n${describeCounterexample(r)}`);
        break;
      case "unchecked":
        if (status === "equivalent") status = "not-checked";
        lines.push(`${f.family}: not checked, the ${r.side} evaluator does not model ${r.feature}`);
        break;
      default:
        return assertNeverEquivalence(r);
    }
  }
  if (lines.length === 0) return { status: "not-checked", reason: "nothing was translated" };
  return { status, reason: lines.join("; ") };
}

function assertNeverEquivalence(x: never): never {
  throw new Error(`unhandled equivalence result ${JSON.stringify(x)}`);
}
