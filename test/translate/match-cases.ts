/**
 * Shared by the match translator tests (marks, conntrack, rates, meta): translate one command line to its
 * rule text and the sets and objects it added, read netfilter's txlate cases for a set of modules, and load
 * many translations for real (not only `nft -c`, which skips commit-time checks such as a hook's allowed
 * expressions) in one network namespace, as text and as JSON, comparing what nft lists back for both.
 */
import { describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Family } from "../../src/ast/index.js";
import { printNftJsonText, printNftObject, printNftSet, printNftText, type NftRuleset, type NftTable } from "../../src/nft/index.js";
import type { TranslatedRuleset } from "../../src/translate/index.js";
import { createNetns } from "../helpers/netns.js";
import { translateCommand } from "../helpers/translate.js";
import { hasTxlate, loadTxlateCases, type TxlateCase } from "../helpers/txlate.js";

/** What one command translates to: the rule's text, the table's sets and objects as nft text, or the refusal reasons. */
export interface MatchTranslation {
  readonly text: string | undefined;
  /** `set NAME { ... }` and object blocks the rule added, each on one line. */
  readonly declarations: readonly string[];
  readonly refusals: readonly string[];
  readonly result: TranslatedRuleset | undefined;
}

/** Translates one command line (`-t mangle -A PREROUTING ...`). */
export function translateMatch(command: string, family: Family = "ipv4"): MatchTranslation {
  const { text, diagnostics, result } = translateCommand(command, family);
  const refusals = diagnostics.filter((d) => d.code === "untranslatable").map((d) => d.message.replace(/^table \S+, chain \S+: /, ""));
  const table = result?.nft.tables[0];
  const oneLine = (block: string): string => block.replace(/\s*\n\s*/g, "; ").replace(/\{; /, "{ ").replace(/; \}$/, " }");
  const declarations = [...(table?.objects ?? []).map((o) => oneLine(printNftObject(o, ""))), ...(table?.sets ?? []).map((s) => oneLine(printNftSet(s, "")))];
  return { text, declarations, refusals, result };
}

/** netfilter's txlate cases of the given files (`libxt_mark.txlate`), iptables and ip6tables only, with their family and `file:line` key. */
export function txlateCasesIn(files: readonly string[]): readonly (TxlateCase & { readonly family: Family; readonly key: string })[] {
  if (!hasTxlate) return [];
  return loadTxlateCases()
    .filter((c) => files.includes(c.file))
    .map((c) => ({ ...c, family: c.tool === "ip6tables" ? ("ipv6" as const) : ("ipv4" as const), key: `${c.file}:${c.line}` }));
}

/**
 * netfilter's expected nft text reduced to the rule's statements as ours prints them: without the
 * `add rule FAMILY TABLE CHAIN` prefix, the `counter` (ours prints the rule counter separately) and the
 * `add set` lines.
 */
export function anchorRule(expected: readonly string[]): string {
  return expected
    .filter((line) => !line.startsWith("add set "))
    .map((line) =>
      line
        .replace(/^(add|insert) rule \S+ \S+ \S+ /, "")
        .replace(/ ?\bcounter\b/, "")
        .replace(/\bip protocol (\S+)/, "meta l4proto $1")
        .trim(),
    )
    .join(" ");
}

/** nft's complaints for each form ("" when it loaded), and whether both forms list back the same ruleset. */
export interface KernelLoad {
  readonly text: string;
  readonly json: string;
  /** Rules whose JSON load lists differently from their text load ([] when all agree). */
  readonly jsonDiffers: readonly string[];
}

/**
 * Loads every translation for real into one fresh namespace, each table renamed `tN_M`: first the text form,
 * then (after a flush) the JSON form, and compares `nft -j list ruleset` of the two loads rule by rule,
 * without what legitimately differs (handles, the time left on set elements, and the set comments nft
 * 1.0.6's JSON parser drops).
 */
export function loadForReal(results: readonly TranslatedRuleset[]): KernelLoad {
  const tables: NftTable[] = results.flatMap((r, i) => r.nft.tables.map((t, j) => ({ ...t, name: `t${i}_${j}` })));
  const ruleset: NftRuleset = { kind: "ruleset", tables };
  const ns = createNetns("ipt2nft-match");
  const dir = mkdtempSync(join(tmpdir(), "ipt2nft-match-"));
  try {
    const load = (file: string, content: string, args: readonly string[]): { error: string; listing: unknown[] } => {
      const path = join(dir, file);
      writeFileSync(path, content);
      const r = ns.exec("nft", [...args, "-f", path]);
      if (r.code !== 0) return { error: r.stderr || `nft exited ${r.code}`, listing: [] };
      const listed = ns.exec("nft", ["-j", "list", "ruleset"]);
      ns.exec("nft", ["flush", "ruleset"]);
      return { error: "", listing: (JSON.parse(listed.stdout) as { nftables: unknown[] }).nftables.map(scrub) };
    };
    const text = load("rules.nft", printNftText(ruleset), []);
    const json = load("rules.json", printNftJsonText(ruleset), ["-j"]);
    const jsonDiffers: string[] = [];
    if (text.error === "" && json.error === "") {
      const a = text.listing.map((x) => JSON.stringify(x));
      const b = json.listing.map((x) => JSON.stringify(x));
      for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) jsonDiffers.push(`text: ${a[i] ?? "-"}\njson: ${b[i] ?? "-"}`);
    }
    return { text: text.error, json: json.error, jsonDiffers };
  } finally {
    ns.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

function scrub(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(scrub);
  if (value === null || typeof value !== "object") return value;
  const entries = Object.entries(value).filter(([k]) => k !== "handle" && k !== "expires" && k !== "comment");
  return Object.fromEntries(entries.map(([k, v]) => [k, scrub(v)]));
}

/**
 * The refusal reasons of a command, or the parse error when the parser already rejects it (a match without the
 * `-p` the kernel requires is a parse error once the schema says so, and a refusal of the translator before).
 */
export function refusalsOf(command: string, family: Family): readonly string[] {
  try {
    const t = translateMatch(command, family);
    expect(t.text).toBeUndefined();
    return t.refusals;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (!message.startsWith("cannot parse")) throw e;
    return [message];
  }
}

/** Where our translation of a netfilter txlate case differs from netfilter's text, and why (`refused`: we refuse it). */
export type TxlateMatchDifferences = Readonly<Record<string, { readonly ours?: string; readonly refused?: RegExp; readonly why: string }>>;

/**
 * One test per netfilter txlate case of `files`: our translation is netfilter's text, or the one the
 * differences table gives (with its reason), or a refusal matching the table's pattern.
 */
export function describeTxlateMatches(label: string, files: readonly string[], count: number, differences: TxlateMatchDifferences): void {
  describe(`netfilter's txlate cases for ${label}`, () => {
    const cases = txlateCasesIn(files);
    it.skipIf(cases.length === 0)("are all here (../shared/conformance/txlate)", () => {
      expect(cases.length).toBe(count);
    });
    for (const c of cases) {
      it(`${c.key} ${c.command}`, () => {
        const t = translateMatch(c.command, c.family);
        const d = differences[c.key];
        if (d?.refused !== undefined) {
          expect(t.refusals).toHaveLength(1);
          expect(t.refusals[0]).toMatch(d.refused);
          return;
        }
        expect(t.refusals).toEqual([]);
        expect(t.text).toBe(d?.ours ?? anchorRule(c.expected));
      });
    }
  });
}
