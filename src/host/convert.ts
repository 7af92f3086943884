/**
 * The host conversion, without I/O: parse the collected dumps, leave out the excluded managers' chains,
 * translate both families and print one reviewable `.nft` file that replaces exactly the tables it defines.
 * @module
 */
import type { Family, Ruleset } from "../ast/index.js";
import type { IpsetSave } from "../ast/ipset.js";
import { type Diagnostic, hasErrors } from "../diagnostic/index.js";
import { type NftFamily, type NftRuleset, printNftText } from "../nft/index.js";
import { parseIpsetSave, parseRuleset } from "../parse/index.js";
import { translate, type TranslatedRuleset } from "../translate/index.js";
import { type CollectedDump, countDumpRules, type HostInput } from "./collect.js";
import { excludeManagedChains, type ManagedChains, type ManagedExclusion, type ManagerId, recogniseManagedChains } from "./managers.js";

/** Options for {@link convertHostInput}. */
export interface HostConvertOptions {
  /** Managers whose chains are left out. */
  readonly exclude: ReadonlySet<ManagerId>;
  /** Emit untranslatable rules as comments (with warnings) instead of refusing. */
  readonly allowUntranslated: boolean;
  /** Told what is about to happen, for a progress display. */
  readonly progress?: (message: string) => void;
}

/** One family's part of the conversion. */
export interface FamilyConversion {
  readonly family: Family;
  readonly source: CollectedDump;
  /** Rules in the dump, before any exclusion. */
  readonly inputRules: number;
  /** The parsed dump, before any exclusion. */
  readonly parsed: Ruleset;
  /** Every manager's chains found in the dump, excluded or not. */
  readonly managed: readonly ManagedChains[];
  readonly exclusion: ManagedExclusion;
  /** Undefined when rules were refused. */
  readonly translated?: TranslatedRuleset;
}

/** An nft table, by family and name. */
export interface NftTableRef {
  readonly family: NftFamily;
  readonly name: string;
}

/** The outcome of {@link convertHostInput}. */
export interface HostConversion {
  /** `bad-input`: a dump did not parse; `refused`: rules have no nft equivalent (see the diagnostics). */
  readonly status: "ok" | "bad-input" | "refused";
  readonly families: readonly FamilyConversion[];
  readonly diagnostics: readonly Diagnostic[];
  /** The translated tables of both families (when ok). */
  readonly nft?: NftRuleset;
  /** The `.nft` file (when ok). */
  readonly text?: string;
  /** The tables the file replaces. */
  readonly ownedTables: readonly NftTableRef[];
}

/**
 * Converts collected dumps to one nft file. The file starts by deleting each table it defines (creating it
 * first, so the delete cannot fail), so `nft -f FILE` replaces exactly those tables in one transaction and
 * leaves every other table alone.
 *
 * @example
 * ```ts
 * const c = convertHostInput({ origin: "directory", ipv4: { name: "iptables-save.txt", text }, notes: [] },
 *   { exclude: new Set(["docker"]), allowUntranslated: false });
 * if (c.status === "ok") c.text; // "# ipt2nft host: ...\ntable ip filter {\n}\ndelete table ip filter\n..."
 * ```
 */
export function convertHostInput(input: HostInput, options: HostConvertOptions): HostConversion {
  const diagnostics: Diagnostic[] = [];
  let badInput = false;
  let ipsets: IpsetSave | undefined;
  if (input.ipset !== undefined) {
    const parsed = parseIpsetSave(input.ipset.text, { file: input.ipset.name });
    diagnostics.push(...parsed.diagnostics);
    if (parsed.value === undefined || hasErrors(parsed.diagnostics)) badInput = true;
    else ipsets = parsed.value;
  }
  const families: FamilyConversion[] = [];
  for (const family of ["ipv4", "ipv6"] as const) {
    const source = input[family];
    if (source === undefined) continue;
    options.progress?.(`parsing ${source.name}: ${countDumpRules(source.text)} rules`);
    const parsed = parseRuleset(source.text, { file: source.name, family });
    diagnostics.push(...parsed.diagnostics);
    if (parsed.value === undefined || hasErrors(parsed.diagnostics)) {
      badInput = true;
      continue;
    }
    const exclusion = excludeManagedChains(parsed.value, options.exclude);
    const base = { family, source, inputRules: countDumpRules(source.text), parsed: parsed.value, managed: recogniseManagedChains(parsed.value), exclusion };
    if (badInput) {
      families.push(base);
      continue;
    }
    options.progress?.(`translating ${family === "ipv4" ? "IPv4" : "IPv6"}`);
    const t = translate(exclusion.ruleset, { file: source.name, allowUntranslated: options.allowUntranslated, ...(ipsets === undefined ? {} : { ipsets }) });
    diagnostics.push(...t.diagnostics);
    families.push(t.value === undefined ? base : { ...base, translated: t.value });
  }
  if (badInput) return { status: "bad-input", families, diagnostics, ownedTables: [] };
  if (families.some((f) => f.translated === undefined)) return { status: "refused", families, diagnostics, ownedTables: [] };
  const nft: NftRuleset = { kind: "ruleset", tables: families.flatMap((f) => f.translated?.nft.tables ?? []) };
  const ownedTables = nft.tables.map((t) => ({ family: t.family, name: t.name }));
  const text = `${fileHeader(families, ownedTables, options.exclude)}${printNftText(nft, { preamble: "replace-tables" })}`;
  return { status: "ok", families, diagnostics, nft, text, ownedTables };
}

function fileHeader(families: readonly FamilyConversion[], owned: readonly NftTableRef[], exclude: ReadonlySet<ManagerId>): string {
  const lines = [
    `ipt2nft host: the nftables translation of ${families.map((f) => f.source.name).join(" and ")}.`,
    "Loading it with nft -f replaces exactly these tables, in one transaction, and leaves every other table alone:",
    `  ${owned.map((t) => `${t.family} ${t.name}`).join(", ")}`,
  ];
  if (exclude.size > 0) lines.push(`Left out: the chains of ${[...exclude].join(", ")} and the rules that jump or go into them.`);
  return `${lines.map((l) => `# ${l}`).join("\n")}\n\n`;
}
