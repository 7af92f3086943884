/**
 * Shared by the target translator tests (nat, verdicts, log, packet-targets, flow): translate one command
 * line to the text of its rule plus any helper chains, load many translations with one `nft -c` run (text
 * and JSON), and read netfilter's txlate cases for a set of targets.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { printNftJsonText, printNftRule, printNftText, type NftRuleset, type NftTable } from "../../src/nft/index.js";
import type { Family } from "../../src/ast/index.js";
import type { TranslatedRuleset } from "../../src/translate/index.js";
import { matchTranslators, targetTranslators } from "../../src/translate/dispatch.js";
import { createNetns } from "../helpers/netns.js";
import { rulesetOf, translateCommand } from "../helpers/translate.js";
import { hasTxlate, loadTxlateCases, type TxlateCase } from "../helpers/txlate.js";
import { expect, it } from "vitest";

/** What one command translates to: the rule's text, helper chains as `NAME: rule; rule`, or the refusal reasons. */
export interface TargetTranslation {
  readonly text: string | undefined;
  readonly helpers: readonly string[];
  readonly refusals: readonly string[];
  readonly result: TranslatedRuleset | undefined;
}

/** Translates one command line (`-t nat -A PREROUTING ...`). */
export function translateTarget(command: string, family: Family = "ipv4"): TargetTranslation {
  const { text, diagnostics, result } = translateCommand(command, family);
  const table = result?.nft.tables[0];
  const helpers = (table?.chains ?? [])
    .filter((c) => c.base === undefined && !/^[a-z]/.test(c.name) && /^(TOS|TOS_dscp|TPROXY|SYNPROXY|CT_zone)(-\d+)?$/.test(c.name))
    .map((c) => `${c.name}: ${c.rules.map((r) => printNftRule(r)).join("; ")}`);
  const refusals = diagnostics.filter((d) => d.code === "untranslatable").map((d) => d.message.replace(/^table \S+, chain \S+: /, ""));
  return { text, helpers, refusals, result };
}

/**
 * Loads every translation with one `nft -c -f` run for the text form and one for the JSON form, each table
 * renamed `tN` so they can share a file. Returns nft's complaints ("" for each form that loads).
 */
export function loadTogether(results: readonly TranslatedRuleset[]): { readonly text: string; readonly json: string; readonly ruleset: NftRuleset } {
  const tables: NftTable[] = results.flatMap((r, i) => r.nft.tables.map((t, j) => ({ ...t, name: `t${i}_${j}` })));
  const ruleset: NftRuleset = { kind: "ruleset", tables };
  const [text = "", json = ""] = nftCheckFiles([
    { name: "ruleset.nft", content: printNftText(ruleset), json: false },
    { name: "ruleset.json", content: printNftJsonText(ruleset), json: true },
  ]);
  return { text, json, ruleset };
}

/**
 * Runs `nft -c -f FILE` (`-j` for JSON) for each file in one fresh namespace; returns nft's complaints, ""
 * where a file loads. Files rather than stdin: nft's JSON parser opens `/dev/stdin` by name, which fails
 * when stdin is a socket, as it is under Node's spawnSync.
 */
export function nftCheckFiles(files: readonly { readonly name: string; readonly content: string; readonly json: boolean }[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), "ipt2nft-targets-"));
  const ns = createNetns("ipt2nft-targets");
  try {
    return files.map((f) => {
      const path = join(dir, f.name);
      writeFileSync(path, f.content);
      const r = ns.exec("nft", [...(f.json ? ["-j"] : []), "-c", "-f", path]);
      return r.code === 0 ? "" : r.stderr || `nft exited ${r.code}`;
    });
  } finally {
    ns.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** netfilter's txlate cases whose target is one of `targets`, with the family of their tool. */
export function txlateCasesFor(targets: readonly string[]): readonly (TxlateCase & { readonly family: Family; readonly key: string })[] {
  if (!hasTxlate) return [];
  const pattern = new RegExp(`(^|\\s)-j\\s+(${targets.join("|")})(\\s|$)`);
  const files = new Set(targets.flatMap((t) => ["libxt", "libipt", "libip6t"].map((lib) => `${lib}_${t}.txlate`)));
  return loadTxlateCases()
    .filter((c) => files.has(c.file) && pattern.test(c.command))
    .map((c) => ({ ...c, family: c.tool === "ip6tables" ? ("ipv6" as const) : ("ipv4" as const), key: `${c.file}:${c.line}` }));
}

/**
 * netfilter's expected nft text reduced to the rule's statements as ours prints them: without the
 * `add rule FAMILY TABLE CHAIN` prefix and the `counter` (our rules print their counter separately), and
 * with `ip protocol X` (netfilter's spelling of `-p` in ip tables) as `meta l4proto X`, ours in both families.
 */
export function anchorStatements(expected: string): string {
  return expected
    .replace(/^(add|insert) rule \S+ \S+ \S+ /, "")
    .replace(/ ?\bcounter\b/, "")
    .replace(/\bip protocol (\S+)/, "meta l4proto $1")
    .trim();
}

/**
 * The modules of a command that have no translator yet (other translator families land separately), so a
 * test can skip a case that does not depend on its own code alone instead of failing on a missing entry.
 */
export function missingTranslators(command: string, family: Family = "ipv4"): readonly string[] {
  const rule = rulesetOf(command, family).tables[0]?.rules[0];
  if (rule === undefined) return [];
  const matches: Readonly<Record<string, unknown>> = matchTranslators;
  const targets: Readonly<Record<string, unknown>> = targetTranslators;
  const missing = rule.matches.filter((m) => m.kind !== "unknown" && matches[m.kind] === undefined).map((m) => `-m ${m.kind}`);
  const t = rule.target;
  if (t !== undefined && t.kind !== "unknown" && t.kind !== "verdict" && t.kind !== "jump" && t.kind !== "goto" && targets[t.kind] === undefined) missing.push(`-j ${t.kind}`);
  return missing;
}

/** Why this kernel cannot load `stmt` in a filter chain of an `ip` table, or undefined when it can. */
export function kernelLacks(stmt: string): string | undefined {
  const [err = ""] = nftCheckFiles([{ name: "probe.nft", content: `table ip probe {\n  chain c {\n    type filter hook forward priority 0; policy accept;\n    ${stmt}\n  }\n}\n`, json: false }]);
  return err === "" ? undefined : err.split("\n")[0];
}

/** How our translation of a txlate case differs from netfilter's on purpose: our text or refusal, and why. */
export type TxlateDifference =
  /** `helpers`: the helper chains as `NAME: rules`, or only how many there are where they are long. */
  | { readonly ours: string; readonly helpers?: readonly string[] | number; readonly why: string }
  | { readonly refused: RegExp; readonly why: string };

/**
 * One test per txlate case of `targets`: our rule text equals netfilter's (reduced by {@link anchorStatements})
 * unless `differences` says otherwise, and then it is exactly what that entry says. A case whose other modules
 * have no translator yet is skipped, saying which.
 */
export function itMatchesTxlate(targets: readonly string[], count: number, differences: Readonly<Record<string, TxlateDifference>>): void {
  const cases = txlateCasesFor(targets);
  it.skipIf(!hasTxlate)(`netfilter has ${count} txlate cases for ${targets.join(", ")}${hasTxlate ? "" : " (skipped: ../shared/conformance/txlate is absent)"}`, () => {
    expect(cases.length).toBe(count);
    expect(Object.keys(differences).filter((k) => !cases.some((c) => c.key === k))).toEqual([]);
  });
  for (const c of cases) {
    const pending = missingTranslators(c.command, c.family);
    it.skipIf(pending.length > 0)(`txlate ${c.key}: ${c.command}${pending.length > 0 ? ` (skipped: no translator yet for ${pending.join(", ")})` : ""}`, () => {
      const t = translateTarget(c.command, c.family);
      const d = differences[c.key];
      if (d !== undefined && "refused" in d) {
        expect(t.text).toBeUndefined();
        expect(t.refusals.join("; ")).toMatch(d.refused);
        return;
      }
      expect(t.refusals).toEqual([]);
      expect(t.text).toBe(d?.ours ?? c.expected.map(anchorStatements).join(" "));
      const helpers = d?.helpers ?? [];
      if (typeof helpers === "number") expect(t.helpers).toHaveLength(helpers);
      else expect(t.helpers).toEqual(helpers);
    });
  }
}

/** The translations of the txlate cases of `targets` that translate (for a kernel load). */
export function txlateTranslations(targets: readonly string[]): TranslatedRuleset[] {
  return txlateCasesFor(targets).flatMap((c) => {
    if (missingTranslators(c.command, c.family).length > 0) return [];
    const r = translateTarget(c.command, c.family).result;
    return r === undefined ? [] : [r];
  });
}
