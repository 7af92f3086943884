/**
 * Test helpers for the translator: one iptables command line → the nft text of its rule, and a kernel
 * check that nft accepts a ruleset (in a throwaway network namespace).
 */
import { type Family, printRuleset, type Ruleset, type Table } from "../../src/ast/index.js";
import { hasErrors, type Diagnostic } from "../../src/diagnostic/index.js";
import { printNftJsonText, printNftRule, printNftText, type NftRuleset } from "../../src/nft/index.js";
import { parseCommand, parseRuleset } from "../../src/parse/index.js";
import { translate, type TranslateOptions, type TranslatedRuleset } from "../../src/translate/index.js";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { canUseNetns, createNetns, hasCommand } from "./netns.js";

/** Builds a one-table ruleset around one command line (`-t nat -A PREROUTING ...`), declaring its user chains. */
export function rulesetOf(command: string, family: Family = "ipv4", chains: readonly string[] = []): Ruleset {
  const parsed = parseCommand(command, { family });
  const errors = parsed.diagnostics.filter((d) => d.severity === "error");
  if (parsed.value?.rule === undefined || errors.length > 0) throw new Error(`cannot parse ${command}: ${errors.map((d) => d.message).join("; ")}`);
  const table = parsed.value.table ?? "filter";
  const rule = parsed.value.rule;
  const jumps = rule.target?.kind === "jump" || rule.target?.kind === "goto" ? [rule.target.chain] : [];
  const userChains = [...new Set([...chains, ...jumps, rule.chain])].filter((c) => !["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"].includes(c));
  const text = [`*${table}`, ...userChains.map((c) => `:${c} - [0:0]`), command.replace(/^(ip6?tables(-translate)?\s+)?/, "").replace(/(^|\s)-t\s+\S+/, ""), "COMMIT", ""].join("\n");
  const r = parseRuleset(text, { family });
  if (r.value === undefined) throw new Error(`cannot parse ruleset for ${command}: ${r.diagnostics.map((d) => d.message).join("; ")}`);
  return r.value;
}

/** Translates one command line; returns the nft text of the rule (without its counter) or the diagnostics. */
export function translateCommand(command: string, family: Family = "ipv4", options: TranslateOptions = {}): { text: string | undefined; diagnostics: readonly Diagnostic[]; result: TranslatedRuleset | undefined } {
  const ruleset = rulesetOf(command, family);
  const { value, diagnostics } = translate(ruleset, options);
  if (value === undefined || hasErrors(diagnostics)) return { text: undefined, diagnostics, result: value };
  const tableName = ruleset.tables[0]?.name;
  const chainName = ruleset.tables[0]?.rules[0]?.chain;
  const chain = value.nft.tables.find((t) => t.name === tableName)?.chains.find((c) => c.name === chainName);
  const rule = chain?.rules[0];
  // The statements only: `#` lines above the rule (caveats, split notes) are checked through the result.
  return { text: rule === undefined ? undefined : printNftRule({ ...rule, counter: undefined, leadingComments: undefined }), diagnostics, result: value };
}

/** Why kernel checks cannot run here, or undefined when they can. */
export const kernelSkipReason: string | undefined = !canUseNetns()
  ? "needs root and ip netns (run as root on Linux)"
  : !hasCommand("nft")
    ? "needs nft (apt-get install nftables)"
    : undefined;

/**
 * Loads nft text (or JSON with `json`) into a fresh namespace, for real (`nft -f FILE`: `nft -c` misses checks
 * the kernel makes at commit, such as fib in an output chain; the namespace is thrown away anyway); returns
 * nft's error output or "" when it loads. A file, not stdin: nft's JSON reader opens the path by name, and /dev/stdin of a
 * spawned pipe cannot be opened that way.
 */
export function nftCheck(text: string, format: "text" | "json" = "text"): string {
  const dir = mkdtempSync(join(tmpdir(), "ipt2nft-check-"));
  const file = join(dir, format === "json" ? "ruleset.json" : "ruleset.nft");
  writeFileSync(file, text);
  const ns = createNetns("ipt2nft-check");
  try {
    const args = format === "json" ? ["-j", "-f", file] : ["-f", file];
    const r = ns.exec("nft", args);
    return r.code === 0 ? "" : r.stderr || `nft exited ${r.code}`;
  } finally {
    ns.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Prints a translated ruleset both ways. */
export function printBoth(nft: NftRuleset): { text: string; json: string } {
  return { text: printNftText(nft), json: printNftJsonText(nft) };
}

/** The canonical iptables text of one table, for messages. */
export function tableText(table: Table, family: Family): string {
  return printRuleset({ kind: "ruleset", family, tables: [table], trailingComments: [], span: table.span });
}
