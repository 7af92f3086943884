/**
 * What the host command did, as data (for `--summary-json`) and as text for stderr: per family the
 * tables, chains, rules and sets written; what was excluded, refused and warned about; how the file was
 * validated; and what `--apply` did.
 * @module
 */
import type { Family } from "../ast/index.js";
import type { Diagnostic } from "../diagnostic/index.js";
import type { NftTable } from "../nft/index.js";
import type { HostInput, IptablesBackend } from "./collect.js";
import type { HostConversion } from "./convert.js";
import { chainManagers, type ManagerId, type RemovedJump } from "./managers.js";

/** How the file was checked with `nft -c`. */
export type ValidationResult =
  | { readonly status: "ok" }
  | { readonly status: "rejected"; readonly message: string }
  | { readonly status: "skipped" }
  | { readonly status: "not-reached" }
  | { readonly status: "unavailable"; readonly message: string };

/** One family's numbers. */
export interface FamilySummary {
  readonly family: Family;
  readonly source: string;
  /** Rules in the dump. */
  readonly inputRules: number;
  /** The nft tables written (`filter`, `nat`, ...). */
  readonly tables: readonly string[];
  readonly chains: number;
  readonly rules: number;
  readonly sets: number;
  readonly refused: number;
  readonly warned: number;
}

/** A manager whose chains were found. */
export interface ManagerSummary {
  readonly id: ManagerId;
  readonly name: string;
  readonly excluded: boolean;
  /** `ipv4 filter`, `ipv6 nat`, ... */
  readonly tables: readonly string[];
  readonly chains: number;
  /** Rules inside its chains. */
  readonly rules: number;
  /** Rules elsewhere that jump or go into its chains. */
  readonly jumps: number;
}

/** A diagnostic, reduced to where and what. */
export interface SummaryDiagnostic {
  readonly file?: string;
  readonly line: number;
  readonly code: Diagnostic["code"];
  readonly message: string;
}

/** What `--apply` did, step by step. */
export interface ApplySummary {
  readonly status: "confirmed" | "rolled-back" | "not-applied" | "load-failed" | "rollback-failed";
  /** Why it ended this way. */
  readonly message: string;
  /** Files holding the state before the apply. */
  readonly savedState: readonly string[];
  /** The commands run, in order, each with its outcome. */
  readonly steps: readonly string[];
  /** What still differs from the saved state after a rollback or a failed load (empty when none). */
  readonly differences: readonly string[];
}

/** Everything the host command reports. */
export interface HostSummary {
  readonly status: HostConversion["status"];
  readonly origin: HostInput["origin"];
  readonly backend?: IptablesBackend;
  readonly families: readonly FamilySummary[];
  readonly managers: readonly ManagerSummary[];
  readonly removedJumps: readonly RemovedJump[];
  readonly orphanedJumps: readonly RemovedJump[];
  readonly refused: readonly SummaryDiagnostic[];
  readonly warnings: readonly SummaryDiagnostic[];
  readonly validation: ValidationResult;
  readonly equivalence: EquivalenceSummary;
  /** The `.nft` file written, when one was. */
  readonly output?: string;
  /** The tables loading the file replaces (`ip filter`, ...). */
  readonly replacesTables: readonly string[];
  /** Collection notes and advice about the managers found. */
  readonly notes: readonly string[];
  readonly apply?: ApplySummary;
}

/**
 * What the equivalence check on generated packets found: `equivalent` on every packet compared,
 * a `counterexample` (a translation bug: please report it), or `not-checked` with the reason.
 */
export interface EquivalenceSummary {
  readonly status: "equivalent" | "counterexample" | "not-checked";
  /** One line per family, for people. */
  readonly reason: string;
}

/** Facts about the run that the conversion does not know. */
export interface SummaryContext {
  readonly validation: ValidationResult;
  /** The equivalence check's result; without it the summary says the check did not run. */
  readonly equivalence?: EquivalenceSummary;
  readonly output?: string;
  readonly apply?: ApplySummary;
}

const acceptDropNote =
  "nftables runs the base chains of every table on a hook, one after another: an accept in one table (or in what stays in iptables) only ends that chain, and a drop in any other table still drops the packet. Rules that Docker, kube-proxy or others write in their own tables must agree with the tables in this file.";

const notCheckedReason = "equivalence on generated packets was not checked (nothing was translated), so review the file and test the host's traffic";

function toSummaryDiagnostic(d: Diagnostic): SummaryDiagnostic {
  return { ...(d.file === undefined ? {} : { file: d.file }), line: d.span.start.line, code: d.code, message: d.message };
}

function countTable(t: NftTable): { chains: number; rules: number; sets: number } {
  return { chains: t.chains.length, rules: t.chains.reduce((n, c) => n + c.rules.length, 0), sets: t.sets.length + t.maps.length };
}

/**
 * Builds the summary of a conversion (and of an apply, when there was one).
 *
 * @example
 * ```ts
 * const summary = summariseHost(input, conversion, exclude, { validation: { status: "ok" }, output: "host.nft" });
 * formatHostSummary(summary); // "ipt2nft host: IPv4 from iptables-save -c: 12 rules -> ..."
 * ```
 */
export function summariseHost(input: HostInput, conversion: HostConversion, exclude: ReadonlySet<ManagerId>, context: SummaryContext): HostSummary {
  const refused = conversion.diagnostics.filter((d) => d.severity === "error" && d.code === "untranslatable").map(toSummaryDiagnostic);
  const warnings = conversion.diagnostics.filter((d) => d.severity === "warning").map(toSummaryDiagnostic);
  const families = conversion.families.map((f): FamilySummary => {
    const tables = f.translated?.nft.tables ?? [];
    const counts = tables.map(countTable);
    const fromHere = (d: SummaryDiagnostic): boolean => d.file === f.source.name;
    return {
      family: f.family,
      source: f.source.name,
      inputRules: f.inputRules,
      tables: tables.map((t) => t.name),
      chains: counts.reduce((n, c) => n + c.chains, 0),
      rules: counts.reduce((n, c) => n + c.rules, 0),
      sets: counts.reduce((n, c) => n + c.sets, 0),
      refused: refused.filter(fromHere).length,
      warned: warnings.filter(fromHere).length,
    };
  });
  const managers: ManagerSummary[] = [];
  for (const m of chainManagers) {
    const found = conversion.families.flatMap((f) => f.managed.filter((c) => c.manager === m.id));
    if (found.length === 0) continue;
    managers.push({
      id: m.id,
      name: m.name,
      excluded: exclude.has(m.id),
      tables: found.map((c) => `${c.family} ${c.table}`),
      chains: found.reduce((n, c) => n + c.chains.length, 0),
      rules: found.reduce((n, c) => n + c.rules, 0),
      jumps: found.reduce((n, c) => n + c.jumps, 0),
    });
  }
  return {
    status: conversion.status,
    origin: input.origin,
    ...(input.backend === undefined ? {} : { backend: input.backend }),
    families,
    managers,
    removedJumps: conversion.families.flatMap((f) => f.exclusion.removedJumps),
    orphanedJumps: conversion.families.flatMap((f) => f.exclusion.orphanedJumps),
    refused,
    warnings,
    validation: context.validation,
    equivalence: context.equivalence ?? { status: "not-checked", reason: notCheckedReason },
    ...(context.output === undefined ? {} : { output: context.output }),
    replacesTables: conversion.ownedTables.map((t) => `${t.family} ${t.name}`),
    notes: [...input.notes, ...adviceNotes(input, conversion, managers, exclude)],
    ...(context.apply === undefined ? {} : { apply: context.apply }),
  };
}

function adviceNotes(input: HostInput, conversion: HostConversion, managers: readonly ManagerSummary[], exclude: ReadonlySet<ManagerId>): string[] {
  const notes: string[] = [];
  for (const m of managers) {
    const manager = chainManagers.find((c) => c.id === m.id);
    if (manager !== undefined) notes.push(`${manager.name}: ${manager.nftables}.`);
  }
  const docker = managers.find((m) => m.id === "docker");
  if (docker?.excluded === true) {
    const userRules = conversion.families.flatMap((f) => f.parsed.tables).flatMap((t) => t.rules).filter((r) => r.chain === "DOCKER-USER");
    const own = userRules.filter((r) => !(r.target?.kind === "verdict" && r.target.verdict === "RETURN" && r.matches.length === 0));
    if (own.length > 0) notes.push(`DOCKER-USER held ${own.length} rule(s) of your own; they were left out with Docker's chains. Under Docker's nftables backend they belong in a table of your own, on the forward hook.`);
  }
  for (const id of exclude) {
    if (!managers.some((m) => m.id === id)) notes.push(`--exclude-managed ${id}: no chains of ${chainManagers.find((m) => m.id === id)?.name ?? id} were found, so nothing was left out for it.`);
  }
  if (managers.some((m) => m.excluded)) {
    notes.push(
      "Excluded chains are not in the file. With --apply they stay in iptables, together with the jumps into them from built-in chains, so their managers keep maintaining them there; switch those managers to their nftables backends before removing them from iptables.",
    );
  }
  if (managers.length > 0) notes.push(acceptDropNote);
  if (input.backend === "nf_tables") {
    notes.push(
      "These rules came from iptables-nft, whose tables have the same names as the ones in this file (ip filter, ip nat, ...): loading the file takes those tables over, and anything that still calls iptables would then write into them.",
    );
  }
  return notes;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

const familyLabel: Readonly<Record<Family, string>> = { ipv4: "IPv4", ipv6: "IPv6" };

/**
 * Prints a summary for people, one fact per line, ending with a newline.
 *
 * @example
 * ```ts
 * process.stderr.write(formatHostSummary(summary));
 * ```
 */
export function formatHostSummary(s: HostSummary): string {
  const out: string[] = ["ipt2nft host: summary"];
  for (const f of s.families) {
    const tables = f.tables.length === 0 ? "not translated" : `${plural(f.tables.length, "table")} (${f.tables.join(", ")}), ${plural(f.chains, "chain")}, ${plural(f.rules, "rule")}, ${plural(f.sets, "set")}`;
    out.push(`  ${familyLabel[f.family]}: ${plural(f.inputRules, "rule")} from ${f.source} -> ${tables}; ${f.refused} refused, ${f.warned} warned`);
  }
  if (s.backend !== undefined) out.push(`  iptables backend: ${s.backend}`);
  for (const m of s.managers) {
    out.push(`  ${m.excluded ? "excluded" : "kept"}: ${m.name}: ${plural(m.chains, "chain")} with ${plural(m.rules, "rule")}, ${plural(m.jumps, "jump")} into them (${[...new Set(m.tables)].join(", ")})`);
  }
  for (const j of s.removedJumps) out.push(`  removed (jumps into ${j.manager}'s ${j.target}): ${familyLabel[j.family]} ${j.table} line ${j.line}: ${j.text}`);
  for (const j of s.orphanedJumps) out.push(`  note: ${familyLabel[j.family]} ${j.table} line ${j.line} jumped into ${j.target} from chain ${j.chain}, which moves to nft: that path into ${j.target} is gone`);
  if (s.refused.length > 0) out.push(`  refused: ${plural(s.refused.length, "construct")} with no nft equivalent (listed above); --allow-untranslated writes them as comments`);
  if (s.warnings.length > 0) out.push(`  warned: ${plural(s.warnings.length, "warning")} (listed above)`);
  out.push(`  validation: ${formatValidation(s.validation)}`);
  out.push(`  equivalence: ${s.equivalence.reason}`);
  if (s.output !== undefined) out.push(`  written: ${s.output} (loading it replaces only ${s.replacesTables.join(", ")})`);
  else if (s.status === "ok" && s.validation.status !== "rejected") out.push("  written: nothing");
  if (s.apply !== undefined) {
    out.push(`  apply: ${s.apply.status}: ${s.apply.message}`);
    for (const step of s.apply.steps) out.push(`    ${step}`);
    for (const d of s.apply.differences) out.push(`    differs: ${d}`);
    if (s.apply.savedState.length > 0) out.push(`    saved state: ${s.apply.savedState.join(", ")}`);
  }
  for (const n of s.notes) out.push(`  note: ${n}`);
  return `${out.join("\n")}\n`;
}

function formatValidation(v: ValidationResult): string {
  switch (v.status) {
    case "ok":
      return "nft -c accepted the file in a throwaway network namespace";
    case "rejected":
      return `nft -c rejected the file: ${v.message}`;
    case "skipped":
      return "not checked (--no-check)";
    case "not-reached":
      return "not checked: there is no file to check";
    case "unavailable":
      return `not checked: ${v.message}`;
    default:
      return assertNever(v);
  }
}

function assertNever(x: never): never {
  throw new Error(`unhandled ${JSON.stringify(x)}`);
}
