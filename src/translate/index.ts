/**
 * Translation: iptables AST → nft model. Each iptables table becomes an nft table of the same name and
 * family, built-in chains become base chains on the same hooks with iptables' priorities and policies,
 * user chains stay regular chains. A rule with no nft equivalent is refused and listed, never dropped
 * silently.
 * @module
 */
import type { Chain, Rule, Ruleset, Table, TableName } from "../ast/index.js";
import type { IpsetSave, IpsetSet } from "../ast/ipset.js";
import type { Diagnostic, Result, Span } from "../diagnostic/index.js";
import { isNftIdentifier, type NftChain, type NftRule, type NftRuleset, type NftStatement, type NftTable } from "../nft/index.js";
import { type Caveat, type Refusal, type RuleContext, TableObjects } from "./context.js";
import { baseChainFor, nftChainNames } from "./tables.js";
import { ruleText, translateRule } from "./rule.js";

export type { Caveat, Refusal } from "./context.js";

/**
 * Options for {@link translate}.
 *
 * @example
 * ```ts
 * const { value: ipsets } = parseIpsetSave(ipsetText);
 * const { value: ruleset } = parseRuleset(text, { file: "rules.v4" });
 * const options: TranslateOptions = { file: "rules.v4", allowUntranslated: true, ...(ipsets ? { ipsets } : {}) };
 * const result = ruleset && translate(ruleset, options);
 * ```
 */
export interface TranslateOptions {
  /**
   * Emit rules that cannot be translated as `# UNTRANSLATED (line N): RULE` comments, with warnings, instead
   * of refusing the whole ruleset. Off by default.
   */
  readonly allowUntranslated?: boolean;
  /** The ipsets that `-m set` and `-j SET` refer to, from `ipset save` output. */
  readonly ipsets?: IpsetSave;
  /** Name of the input, used in diagnostics. */
  readonly file?: string;
}

/**
 * A rule that has no nft translation.
 *
 * @example
 * ```ts
 * const { value } = parseRuleset("*mangle\n-A POSTROUTING -p udp -j CHECKSUM --checksum-fill\nCOMMIT\n");
 * const translated = value && translate(value, { allowUntranslated: true }).value;
 * const rule: UntranslatedRule | undefined = translated?.untranslated[0];
 * rule?.text; // "-A POSTROUTING -p udp -j CHECKSUM --checksum-fill"
 * rule?.reasons.map((r) => r.refused); // why nft has no equivalent
 * ```
 */
export interface UntranslatedRule {
  readonly table: TableName;
  readonly chain: string;
  /** The input line of the rule. */
  readonly line: number;
  /** The rule as canonical iptables text. */
  readonly text: string;
  /** Why, for each construct of the rule that has no equivalent. */
  readonly reasons: readonly Refusal[];
  /** Leaving the rule out lets through packets the input would drop or reject. */
  readonly morePermissive: boolean;
  readonly span: Span;
}

/**
 * A rule translated with a {@link Caveat}: the nft rule differs from it for the packets the caveat names.
 *
 * @example
 * ```ts
 * const { value } = parseRuleset("*raw\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -m rpfilter --invert -j DROP\nCOMMIT\n");
 * const translated = value && translate(value).value;
 * const a: Approximation | undefined = translated?.approximations[0];
 * a?.morePermissive; // true: nft drops fewer of the packets the caveat names
 * ```
 */
export interface Approximation {
  readonly table: TableName;
  readonly chain: string;
  /** The input line of the rule. */
  readonly line: number;
  /** The rule as canonical iptables text. */
  readonly text: string;
  readonly caveat: Caveat;
  /**
   * The difference can let through packets the input stops: the input drops them outright, or the nft rule
   * matches fewer of them and the rule drops or rejects, or it matches more and the rule accepts.
   */
  readonly morePermissive: boolean;
  readonly span: Span;
}

/**
 * The translated ruleset and what could not be translated.
 *
 * @example
 * ```ts
 * const { value } = parseRuleset(text);
 * const translated: TranslatedRuleset | undefined = value && translate(value, { allowUntranslated: true }).value;
 * if (translated) {
 *   process.stdout.write(printNftText(translated.nft));
 *   for (const u of translated.untranslated) console.error(`line ${u.line}: ${u.text} left out`);
 *   for (const [table, from, to] of translated.renamedChains) console.error(`${table}: chain ${from} is ${to} in nft`);
 * }
 * ```
 */
export interface TranslatedRuleset {
  readonly nft: NftRuleset;
  /** Rules left out (only non-empty with `allowUntranslated`). */
  readonly untranslated: readonly UntranslatedRule[];
  /** Chains renamed because nft cannot write their names: `[iptables name, nft name]`. */
  readonly renamedChains: readonly (readonly [TableName, string, string])[];
  /** Rules whose translation differs for some packets, each with which ones (also reported as warnings). */
  readonly approximations: readonly Approximation[];
}

/** Chains from which a packet may be dropped or rejected: directly, or through the chains they jump to. */
function chainsThatCanDrop(table: Table): ReadonlySet<string> {
  const drops = new Set<string>();
  let changed = true;
  while (changed) {
    changed = false;
    for (const r of table.rules) {
      if (drops.has(r.chain) || !ruleCanDrop(r, drops)) continue;
      drops.add(r.chain);
      changed = true;
    }
  }
  return drops;
}

/**
 * Targets that may drop or reject the packet themselves: REJECT; TPROXY when no socket takes the packet;
 * SYNPROXY, which answers the handshake itself and drops the original.
 */
const droppingTargets: ReadonlySet<string> = new Set(["REJECT", "TPROXY", "SYNPROXY"]);

function ruleCanDrop(r: Rule, dropping: ReadonlySet<string>): boolean {
  const t = r.target;
  if (t === undefined) return false;
  if (t.kind === "verdict") return t.verdict === "DROP";
  if (t.kind === "jump" || t.kind === "goto") return dropping.has(t.chain);
  return droppingTargets.has(t.kind);
}

function ipsetLookup(save: IpsetSave | undefined): ((name: string) => IpsetSet | undefined) | undefined {
  if (save === undefined) return undefined;
  const byName = new Map(save.sets.map((s) => [s.name, s]));
  return (name) => byName.get(name);
}

/**
 * Match modules whose kernel code turns on defragmentation for the namespace: through a conntrack reference
 * (nf_ct_netns_get), or directly (xt_socket calls nf_defrag_ipv4_enable).
 */
const defragmentingMatches: ReadonlySet<string> = new Set(["conntrack", "state", "connmark", "connbytes", "connlabel", "connlimit", "helper", "cluster", "socket"]);
/** Targets that do the same (TPROXY calls nf_defrag_ipv4_enable; the others take a conntrack reference). */
const defragmentingTargets: ReadonlySet<string> = new Set(["CONNMARK", "CT", "NOTRACK", "CONNSECMARK", "DNAT", "SNAT", "MASQUERADE", "REDIRECT", "NETMAP", "SYNPROXY", "TPROXY"]);

/**
 * Whether the kernel reassembles fragments before the rules run: the ruleset has a nat table, or a match or
 * target that needs conntrack or defragmentation. Its translation needs the same (nat chains, ct, socket,
 * tproxy expressions), so then neither side ever sees a later fragment.
 */
function reassemblesFragments(ruleset: Ruleset): boolean {
  return ruleset.tables.some(
    (t) =>
      t.name === "nat" ||
      t.rules.some((r) => r.matches.some((m) => defragmentingMatches.has(m.kind)) || (r.target !== undefined && defragmentingTargets.has(r.target.kind))),
  );
}

interface TableOutcome {
  readonly table: NftTable;
  readonly untranslated: UntranslatedRule[];
  readonly approximations: readonly Approximation[];
  readonly renamed: readonly (readonly [string, string])[];
}

function translateTable(ruleset: Ruleset, table: Table, options: TranslateOptions): TableOutcome {
  const { map: names, renamed } = nftChainNames(table.chains.map((c) => c.name));
  const objects = new TableObjects();
  const taken = new Set(names.values());
  const canDrop = chainsThatCanDrop(table);
  const untranslated: UntranslatedRule[] = [];
  const approximations: Approximation[] = [];
  const nftFamily = ruleset.family === "ipv4" ? "ip" : "ip6";
  const lookup = ipsetLookup(options.ipsets);
  const reassembled = reassemblesFragments(ruleset);
  const freshChainName = (hint: string): string => {
    const cleaned = hint.replace(/[^A-Za-z0-9_.-]/g, "_");
    const base = isNftIdentifier(cleaned) ? cleaned : `chain_${cleaned}`;
    let name = base;
    for (let i = 2; taken.has(name) || !isNftIdentifier(name); i++) name = `${base}-${i}`;
    taken.add(name);
    return name;
  };
  const chainName = (n: string): string => names.get(n) ?? n;

  const rulesByChain = new Map<string, Rule[]>();
  for (const r of table.rules) {
    const list = rulesByChain.get(r.chain);
    if (list === undefined) rulesByChain.set(r.chain, [r]);
    else list.push(r);
  }
  const chains: NftChain[] = table.chains.map((chain: Chain): NftChain => {
    const rules: NftRule[] = [];
    let pending: string[] = [];
    const policyChain = policyChainFor(chain, rulesByChain.get(chain.name) ?? [], freshChainName);
    const gotoHelpers = new Map<string, string>();
    const gotoHelper = (target: string): string => {
      const known = gotoHelpers.get(target);
      if (known !== undefined) return known;
      const name = freshChainName(`${chainName(chain.name)}-goto-${target}`);
      gotoHelpers.set(target, name);
      objects.addChain({ kind: "chain", name, rules: [{ kind: "rule", exprs: [{ kind: "jump", target }] }, { kind: "rule", exprs: [{ kind: "goto", target: policyChain ?? "" }] }] });
      return name;
    };
    for (const rule of rulesByChain.get(chain.name) ?? []) {
      const cx: RuleContext = {
        family: ruleset.family,
        nftFamily,
        table: table.name,
        chain: chain.name,
        rule,
        protocol: rule.protocol !== undefined && !rule.protocol.negated && rule.protocol.value !== 0 ? rule.protocol.value : undefined,
        objects,
        chainName,
        freshChainName,
        ipsets: lookup,
        ruleset,
        reassembled,
      };
      const t = translateRule(rule, cx);
      if ("rules" in t) {
        for (const caveat of t.caveats) {
          const morePermissive = caveat.inputDrops === true || (caveat.nftMatches === "fewer" ? ruleCanDrop(rule, canDrop) : rule.target?.kind === "verdict" && rule.target.verdict === "ACCEPT");
          approximations.push({ table: table.name, chain: chain.name, line: rule.span.start.line, text: ruleText(rule), caveat, morePermissive, span: rule.span });
        }
        const routed = policyChain === undefined ? t.rules : t.rules.map((r) => routeToPolicy(r, policyChain, gotoHelper));
        // Comments about untranslated rules before this one go above its first nft rule.
        routed.forEach((r, i) => rules.push(i > 0 || pending.length === 0 ? r : { ...r, leadingComments: [...pending, ...(r.leadingComments ?? [])] }));
        pending = [];
        continue;
      }
      const text = ruleText(rule);
      const morePermissive = ruleCanDrop(rule, canDrop);
      untranslated.push({ table: table.name, chain: chain.name, line: rule.span.start.line, text, reasons: t.refusals, morePermissive, span: rule.span });
      pending.push(`UNTRANSLATED (line ${rule.span.start.line}): ${text}`, ...t.refusals.map((r) => `  reason: ${r.refused}`));
    }
    if (chain.builtin && chain.counters !== undefined && policyChain !== undefined) {
      // The policy's counter lives in its own chain, which every way to the policy goes to (see policyChainFor).
      const verdict: NftStatement = chain.policy === "DROP" ? { kind: "drop" } : { kind: "accept" };
      objects.addChain({ kind: "chain", name: policyChain, rules: [{ kind: "rule", exprs: [verdict], counter: chain.counters, leadingComments: [`policy counter of ${chain.name}`] }] });
      rules.push({ kind: "rule", exprs: [{ kind: "goto", target: policyChain }], ...(pending.length === 0 ? {} : { leadingComments: pending }) });
      pending = [];
    } else if (chain.builtin && chain.counters !== undefined) {
      // The policy's own counter: a counting rule at the end sees exactly the packets that reach the policy.
      rules.push({ kind: "rule", exprs: [], counter: chain.counters, leadingComments: [...pending, `policy counter of ${chain.name}`] });
      pending = [];
    }
    const base = chain.builtin ? baseChainFor(table.name, chain.name) : undefined;
    return {
      kind: "chain",
      name: chainName(chain.name),
      ...(base === undefined ? {} : { base: { ...base, policy: chain.policy === "DROP" ? "drop" : "accept" } }),
      rules,
      ...(pending.length === 0 ? {} : { trailingComments: pending }),
      span: chain.span,
    };
  });
  const nftTable: NftTable = {
    kind: "table",
    family: nftFamily,
    name: table.name,
    objects: [...objects.objects.values()],
    sets: [...objects.sets.values()],
    maps: [],
    chains: [...chains, ...objects.chains.values()],
    ...(table.leadingComments.length === 0 ? {} : { leadingComments: table.leadingComments.map((c) => c.text.trim()) }),
  };
  return { table: nftTable, untranslated, approximations, renamed };
}

/**
 * The chain that holds a built-in chain's policy counter, when a trailing counting rule would miss some
 * of the packets the policy decides; undefined when it would not. In iptables the policy (and its
 * counter) takes every packet that leaves the built-in chain without a verdict: at its end, through
 * RETURN in it, and at the end (or a RETURN) of a chain it went to with -g. nft applies the base chain's
 * policy in all three cases too, but a rule at the end of the base chain only sees the first: `return`
 * and the end of a goto'd chain skip it (measured on the kernel: the nft policy counter fell short of
 * iptables' by exactly those packets, test/kernel/generated.test.ts). So when the chain has a RETURN or a
 * goto, the policy's counter and verdict go to a chain of their own, and every way to the policy goes
 * there: `return` becomes `goto POLICY`, `goto X` becomes `goto HELPER` where HELPER is `jump X; goto
 * POLICY` (X returning comes back to HELPER), and the base chain ends with `goto POLICY`.
 */
function policyChainFor(chain: Chain, rules: readonly Rule[], freshChainName: (hint: string) => string): string | undefined {
  if (!chain.builtin || chain.counters === undefined) return undefined;
  const leaves = rules.some((r) => r.target?.kind === "goto" || (r.target?.kind === "verdict" && r.target.verdict === "RETURN"));
  return leaves ? freshChainName(`${chain.name}-policy`) : undefined;
}

/** A rule of a built-in chain with a policy chain: its `return` and `goto` lead to the policy chain (see {@link policyChainFor}). */
function routeToPolicy(rule: NftRule, policyChain: string, gotoHelper: (target: string) => string): NftRule {
  const exprs = rule.exprs.map((e): NftStatement => (e.kind === "return" ? { kind: "goto", target: policyChain } : e.kind === "goto" ? { kind: "goto", target: gotoHelper(e.target) } : e));
  return { ...rule, exprs };
}

function describeUntranslated(u: UntranslatedRule): string {
  return `table ${u.table}, chain ${u.chain}: ${u.reasons.map((r) => r.refused).join("; ")}`;
}

/**
 * Translates a parsed ruleset to the nft model. When some rules have no nft equivalent, the value is
 * undefined and each such rule is an error diagnostic, unless `allowUntranslated` is set: then they are
 * left out as `# UNTRANSLATED` comments and reported as warnings, saying when that makes the result more
 * permissive than the input.
 *
 * @example
 * ```ts
 * const parsed = parseRuleset(text);
 * if (parsed.value) {
 *   const { value, diagnostics } = translate(parsed.value);
 *   if (value) console.log(printNftText(value.nft));
 * }
 * ```
 */
export function translate(ruleset: Ruleset, options: TranslateOptions = {}): Result<TranslatedRuleset | undefined> {
  const outcomes = ruleset.tables.map((t) => translateTable(ruleset, t, options));
  const untranslated = outcomes.flatMap((o) => o.untranslated);
  const approximations = outcomes.flatMap((o) => o.approximations);
  const file = options.file === undefined ? {} : { file: options.file };
  const allow = options.allowUntranslated === true;
  const diagnostics: Diagnostic[] = [];
  for (const a of approximations) {
    const permissive = a.morePermissive ? "; this can make the ruleset more permissive than the input" : "";
    diagnostics.push({ severity: "warning", code: "approximate", message: `table ${a.table}, chain ${a.chain}: translated with a difference: ${a.caveat.differs}${permissive}`, span: a.caveat.span, ...file });
  }
  for (const u of untranslated) {
    for (const r of u.reasons) {
      diagnostics.push({ severity: allow ? "warning" : "error", code: "untranslatable", message: `table ${u.table}, chain ${u.chain}: ${r.refused}`, span: r.span, ...file });
    }
    if (allow && u.morePermissive) {
      diagnostics.push({
        severity: "warning",
        code: "more-permissive",
        message: `leaving out this rule makes the ruleset more permissive: the input drops or rejects packets here (${describeUntranslated(u)})`,
        span: u.span,
        ...file,
      });
    }
  }
  const renamedChains = outcomes.flatMap((o, i) => o.renamed.map(([from, to]) => [ruleset.tables[i]?.name ?? "filter", from, to] as const));
  for (const [table, from, to] of renamedChains) {
    const chain = ruleset.tables.find((t) => t.name === table)?.chains.find((c) => c.name === from);
    diagnostics.push({ severity: "warning", code: "renamed-chain", message: `chain ${from} of table ${table} is named ${to} in nft, which cannot write the original name`, span: chain?.span ?? ruleset.span, ...file });
  }
  const refused = untranslated.length > 0 && !allow;
  return {
    value: refused ? undefined : { nft: { kind: "ruleset", tables: outcomes.map((o) => o.table) }, untranslated, renamedChains, approximations },
    diagnostics: diagnostics.sort((a, b) => a.span.start.offset - b.span.start.offset),
  };
}
