/**
 * Applying a migration to the running host, the way iptables-apply does: save the current state, load the
 * new tables in one `nft -f` transaction, empty the legacy iptables tables that were migrated, then wait
 * for the operator to confirm; without a confirmation, put the previous state back exactly.
 *
 * Nothing here decides what to load; it only sequences commands through a {@link CommandRunner}, so the
 * order and every failure path can be tested with a fake.
 * @module
 */
import type { Family } from "../ast/index.js";
import { printNftName } from "../nft/index.js";
import type { IptablesTools } from "./collect.js";
import type { NftTableRef } from "./convert.js";
import type { HostFiles } from "./files.js";
import type { CommandRunner } from "./nft.js";
import type { ApplySummary } from "./summary.js";

/**
 * What came of waiting for confirmation: `confirmed` ("yes"), `declined` (any other answer), `timeout`,
 * `closed` (standard input ended) or `interrupted` (a signal such as SIGINT or SIGHUP).
 */
export type ConfirmationAnswer = "confirmed" | "declined" | "timeout" | "closed" | "interrupted";

/** Asks the operator to confirm, showing `prompt`, and waits at most `timeoutSeconds`. */
export type Confirm = (prompt: string, timeoutSeconds: number) => Promise<ConfirmationAnswer>;

/** One family's legacy iptables rules that the migration takes over. */
export interface LegacyMigration {
  readonly family: Family;
  /** The commands that save and restore those rules (`iptables-legacy-save`, `iptables-legacy-restore`). */
  readonly tools: IptablesTools;
  /** The dump that was translated: the live rules must still be these, counters aside. */
  readonly translatedDump: string;
  /** iptables-restore input that empties the migrated tables, keeping only what stays in iptables. */
  readonly remainder: string;
}

/** What to apply and how. */
export interface ApplyPlan {
  /** The `.nft` file to load; it must replace exactly {@link ApplyPlan.ownedTables}. */
  readonly nftFile: string;
  readonly ownedTables: readonly NftTableRef[];
  readonly legacy: readonly LegacyMigration[];
  /** Saved state goes to `PREFIX.before.nft` and `PREFIX.before-iptables.txt` / `-ip6tables.txt`. */
  readonly savedStatePrefix: string;
  readonly confirmTimeoutSeconds: number;
}

/** The I/O an apply uses. */
export interface ApplyEnvironment {
  readonly run: CommandRunner;
  readonly files: HostFiles;
  readonly confirm: Confirm;
  /** Progress messages (the CLI shows them on a terminal only). */
  readonly progress: (message: string) => void;
}

/** The state saved before anything changes. */
interface SavedState {
  /** `nft -f` input that deletes the owned tables and recreates the ones that existed. */
  readonly nftRestore: string;
  readonly nftRestoreFile: string;
  /** Listing of each owned table that existed, by `family name`. */
  readonly tables: ReadonlyMap<string, string>;
  /** The legacy dump of each migrated family, and where it was saved. */
  readonly legacy: readonly { readonly migration: LegacyMigration; readonly dump: string; readonly file: string }[];
}

const tableKey = (t: NftTableRef): string => `${t.family} ${t.name}`;

/** Strips what changes on a live host by itself: counter values, set element expiry. */
export function normaliseNftListing(text: string): string {
  return text
    .replace(/ packets \d+ bytes \d+/g, "")
    .replace(/ expires [0-9dhms]+/g, "")
    .split("\n")
    .map((l) => l.trimEnd())
    .filter((l) => l !== "")
    .join("\n");
}

/** Strips comments (they carry dates) and counters from an iptables-save dump. */
export function normaliseIptablesDump(text: string): string {
  return text
    .split("\n")
    .filter((l) => !l.startsWith("#"))
    .map((l) => l.replace(/\[\d+:\d+\]/g, "").replace(/\s+/g, " ").trim())
    .filter((l) => l !== "")
    .join("\n");
}

/** `table ip filter {\n}\ndelete table ip filter`: removes a table whether or not it exists, in the same transaction. */
function deleteTableCommands(t: NftTableRef): string {
  return `table ${t.family} ${printNftName(t.name)} {\n}\ndelete table ${t.family} ${printNftName(t.name)}\n`;
}

function familyFileSuffix(f: Family): string {
  return f === "ipv4" ? "iptables" : "ip6tables";
}

/** Describes a command result in one line. */
function outcome(r: { code: number; stderr: string }): string {
  return r.code === 0 ? "ok" : `failed (exit ${r.code}): ${r.stderr.trim().split("\n")[0] ?? ""}`;
}

class Steps {
  readonly lines: string[] = [];
  constructor(private readonly progress: (message: string) => void) {}
  add(line: string): void {
    this.lines.push(line);
    this.progress(line);
  }
}

async function listOwnedTables(run: CommandRunner, owned: readonly NftTableRef[]): Promise<{ tables: Map<string, string>; iptablesNft: string[] } | { error: string }> {
  const list = await run("nft", ["list", "tables"]);
  if (list.code !== 0) return { error: `nft list tables ${outcome(list)}` };
  const present = new Set(
    list.stdout
      .split("\n")
      .map((l) => /^table (\S+) (\S+)$/.exec(l.trim()))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => `${m[1] ?? ""} ${(m[2] ?? "").replace(/^"|"$/g, "")}`),
  );
  const tables = new Map<string, string>();
  const iptablesNft: string[] = [];
  for (const t of owned) {
    if (!present.has(tableKey(t))) continue;
    const r = await run("nft", ["list", "table", t.family, t.name]);
    if (r.code !== 0) return { error: `nft list table ${tableKey(t)} ${outcome(r)}` };
    if (/managed by iptables-nft/.test(r.stderr)) iptablesNft.push(tableKey(t));
    tables.set(tableKey(t), r.stdout);
  }
  return { tables, iptablesNft };
}

async function saveState(plan: ApplyPlan, env: ApplyEnvironment, steps: Steps): Promise<SavedState | { error: string }> {
  const listed = await listOwnedTables(env.run, plan.ownedTables);
  if ("error" in listed) return { error: `cannot read the current nft state: ${listed.error}` };
  if (listed.iptablesNft.length > 0) {
    return {
      error: `table(s) ${listed.iptablesNft.join(", ")} belong to iptables-nft: the rules live in nft already, under the names this file uses, and iptables-nft would keep writing into them. Load the file yourself once nothing calls iptables any more (nft -f ${plan.nftFile}; iptables-nft-restore brings the old rules back)`,
    };
  }
  steps.add(`saved nft state: ${listed.tables.size === 0 ? "none of the tables exists yet" : [...listed.tables.keys()].join(", ")}`);
  const legacy: { migration: LegacyMigration; dump: string; file: string }[] = [];
  for (const m of plan.legacy) {
    const r = await env.run(m.tools.save, ["-c"]);
    if (r.code !== 0) return { error: `cannot save the legacy rules: ${m.tools.save} -c ${outcome(r)}` };
    if (normaliseIptablesDump(r.stdout) !== normaliseIptablesDump(m.translatedDump)) {
      return { error: `the live rules (${m.tools.save}) differ from the dump that was translated, counters aside: they changed since, or the dump is from elsewhere; run again` };
    }
    // Prove the saved rules and the emptying input load, without committing them.
    for (const [what, args, text] of [
      ["saved rules", ["-c", "--test"], r.stdout],
      ["emptied tables", ["--test"], m.remainder],
    ] as const) {
      const t = await env.run(m.tools.restore, args, text);
      if (t.code !== 0) return { error: `${m.tools.restore} --test refuses the ${what}: ${outcome(t)}` };
    }
    legacy.push({ migration: m, dump: r.stdout, file: `${plan.savedStatePrefix}.before-${familyFileSuffix(m.family)}.txt` });
    steps.add(`saved legacy state: ${m.tools.save} -c (${m.family})`);
  }
  const nftRestore = [...plan.ownedTables.map(deleteTableCommands), ...plan.ownedTables.flatMap((t) => listed.tables.get(tableKey(t)) ?? [])].join("");
  const nftRestoreFile = `${plan.savedStatePrefix}.before.nft`;
  try {
    await env.files.writeText(nftRestoreFile, nftRestore);
    for (const l of legacy) await env.files.writeText(l.file, l.dump);
  } catch (e) {
    return { error: `cannot write the saved state: ${(e as Error).message}` };
  }
  // The saved tables must load back, or a rollback could not restore them: check before changing anything.
  const check = await env.run("nft", ["-c", "-f", nftRestoreFile]);
  if (check.code !== 0) return { error: `the saved nft state does not load back (nft -c -f ${nftRestoreFile} ${outcome(check)}), so it could not be restored` };
  steps.add(`checked that the saved state reloads: nft -c -f ${nftRestoreFile}`);
  return { nftRestore, nftRestoreFile, tables: listed.tables, legacy };
}

/** Compares the owned tables and the legacy rules with the saved state, counters aside. */
async function differencesFrom(saved: SavedState, plan: ApplyPlan, run: CommandRunner): Promise<string[]> {
  const differences: string[] = [];
  const listed = await listOwnedTables(run, plan.ownedTables);
  if ("error" in listed) differences.push(listed.error);
  else {
    for (const t of plan.ownedTables) {
      const before = saved.tables.get(tableKey(t));
      const now = listed.tables.get(tableKey(t));
      if (before === undefined && now !== undefined) differences.push(`table ${tableKey(t)} exists, and did not before`);
      else if (before !== undefined && now === undefined) differences.push(`table ${tableKey(t)} is missing`);
      else if (before !== undefined && now !== undefined && normaliseNftListing(before) !== normaliseNftListing(now)) differences.push(`table ${tableKey(t)} differs from ${saved.nftRestoreFile}`);
    }
  }
  for (const l of saved.legacy) {
    const r = await run(l.migration.tools.save, ["-c"]);
    if (r.code !== 0) differences.push(`${l.migration.tools.save} -c ${outcome(r)}`);
    else if (normaliseIptablesDump(r.stdout) !== normaliseIptablesDump(l.dump)) differences.push(`${l.migration.tools.save} differs from ${l.file}`);
  }
  return differences;
}

function manualRestore(saved: SavedState): string {
  return [...saved.legacy.map((l) => `${l.migration.tools.restore} -c < ${l.file}`), `nft -f ${saved.nftRestoreFile}`].join("; ");
}

/**
 * Restores the saved state: the legacy rules first, then the nft tables, so that for the moment in between
 * the host has both rule sets rather than neither. Every step runs even if one before it failed.
 */
async function rollBack(saved: SavedState, plan: ApplyPlan, env: ApplyEnvironment, steps: Steps): Promise<{ ok: boolean; differences: string[] }> {
  let ok = true;
  for (const l of saved.legacy) {
    const r = await env.run(l.migration.tools.restore, ["-c"], l.dump);
    steps.add(`rollback: ${l.migration.tools.restore} -c < ${l.file}: ${outcome(r)}`);
    ok &&= r.code === 0;
  }
  const r = await env.run("nft", ["-f", saved.nftRestoreFile]);
  steps.add(`rollback: nft -f ${saved.nftRestoreFile}: ${outcome(r)}`);
  ok &&= r.code === 0;
  const differences = await differencesFrom(saved, plan, env.run);
  steps.add(`rollback: compared with the saved state: ${differences.length === 0 ? "same, counters aside" : `${differences.length} difference(s)`}`);
  return { ok: ok && differences.length === 0, differences };
}

const answerText: Readonly<Record<Exclude<ConfirmationAnswer, "confirmed">, string>> = {
  declined: "the answer was not yes",
  timeout: "no confirmation before the timeout",
  closed: "standard input ended without a confirmation",
  interrupted: "interrupted before a confirmation",
};

/**
 * Applies a migration with automatic rollback. Never leaves the host without its previous rules: anything
 * that fails before the load changes nothing; a load that fails changes nothing (nft -f is one
 * transaction, and this is checked); after the load, any failure or a missing confirmation restores the
 * saved state, and says exactly what still differs if that did not work.
 *
 * @example
 * ```ts
 * const result = await applyHostRuleset(
 *   { nftFile: "host.nft", ownedTables: [{ family: "ip", name: "filter" }], legacy: [], savedStatePrefix: "host.nft", confirmTimeoutSeconds: 30 },
 *   { run: systemRunner, files: nodeHostFiles, confirm: confirmFromStream(process.stdin, print), progress: print },
 * );
 * result.status; // "confirmed" | "rolled-back" | ...
 * ```
 */
export async function applyHostRuleset(plan: ApplyPlan, env: ApplyEnvironment): Promise<ApplySummary> {
  const steps = new Steps(env.progress);
  const saved = await saveState(plan, env, steps);
  if ("error" in saved) return { status: "not-applied", message: `nothing was changed: ${saved.error}`, savedState: [], steps: steps.lines, differences: [] };
  const savedState = [saved.nftRestoreFile, ...saved.legacy.map((l) => l.file)];

  const load = await env.run("nft", ["-f", plan.nftFile]);
  steps.add(`nft -f ${plan.nftFile}: ${outcome(load)}`);
  if (load.code !== 0) {
    const differences = await differencesFrom(saved, plan, env.run);
    const unchanged = differences.length === 0 ? "nothing changed (checked)" : "but the host differs from the saved state";
    return { status: "load-failed", message: `nft refused the file, ${unchanged}: ${load.stderr.trim()}`, savedState, steps: steps.lines, differences };
  }

  let failure: string | undefined;
  for (const l of saved.legacy) {
    const r = await env.run(l.migration.tools.restore, [], l.migration.remainder);
    steps.add(`emptied the migrated legacy tables: ${l.migration.tools.restore}: ${outcome(r)}`);
    if (r.code !== 0) {
      failure = `emptying the legacy tables failed: ${r.stderr.trim()}`;
      break;
    }
  }

  if (failure === undefined) {
    const prompt = `ipt2nft: the new rules are loaded. Type yes within ${plan.confirmTimeoutSeconds} s to keep them; anything else, or no answer, restores the previous rules.\nIf this process dies first, restore them with: ${manualRestore(saved)}\n`;
    const answer = await env.confirm(prompt, plan.confirmTimeoutSeconds);
    steps.add(`confirmation: ${answer}`);
    if (answer === "confirmed") return { status: "confirmed", message: "the new rules are in place", savedState, steps: steps.lines, differences: [] };
    failure = answerText[answer];
  }

  const back = await rollBack(saved, plan, env, steps);
  if (back.ok) return { status: "rolled-back", message: `${failure}: the previous rules are back`, savedState, steps: steps.lines, differences: [] };
  return {
    status: "rollback-failed",
    message: `${failure}, and the rollback did not restore everything: restore by hand with ${manualRestore(saved)}`,
    savedState,
    steps: steps.lines,
    differences: back.differences,
  };
}
