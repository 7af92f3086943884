/**
 * Prints the AST as canonical iptables-save text: generic options in iptables-save's order, modules with
 * their options in schema order, canonical spellings and numbers. `parse(print(ast))` gives back `ast`.
 * @module
 */
import { matchSchemas } from "./matches/index.js";
import type { Chain, CommentLine, Match, Rule, Ruleset, Table, Target } from "./rule.js";
import { ruleSchema } from "./rule.js";
import type { AnyOptionSpec, OptionSpecs, OptionValue } from "./schema.js";
import { type KnownTarget, targetSchemas } from "./targets/index.js";

/** Quotes a word when iptables-restore would otherwise split or misread it, escaping `"` and `\`. */
export function quoteWord(word: string, always = false): string {
  if (!always && word !== "" && /^[^\s"'\\]+$/.test(word) && !word.startsWith("-") && word !== "!" && !word.startsWith("#")) return word;
  return `"${word.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** Prints the options of `node` that `specs` describes, in schema order. */
function printOptions(specs: OptionSpecs, node: object): string[] {
  // A node derived from `specs` holds an OptionValue (or nothing) under each of the schema's keys.
  const fields = node as Readonly<Record<string, OptionValue<unknown> | undefined>>;
  const out: string[] = [];
  for (const [key, spec] of Object.entries<AnyOptionSpec>(specs)) {
    const o = fields[key];
    if (o === undefined) continue;
    if (o.negated) out.push("!");
    out.push(spec.names[0]);
    const always = spec.codec.domain.type === "text";
    for (const w of spec.codec.print(o.value)) out.push(quoteWord(w, always));
  }
  return out;
}

/** The words the grammar reads as option names (its `OptionWord`). */
const optionShaped = /^--?[a-zA-Z][a-zA-Z0-9_-]*$/;

/**
 * Prints one argument word of an unknown module. Its `args` keep option names and values alike as plain
 * strings, so a word shaped like an option must stay bare: quoted, it would re-parse as a value and the
 * module would lose its options. iptables-restore strips quotes before getopt sees the words, so a value
 * that merely looks like an option means the same to the kernel either way.
 */
function printUnknownArg(word: string): string {
  if (claimedByRuleParser.has(word)) return quoteWord(word, true);
  return word === "!" || optionShaped.test(word) ? word : quoteWord(word);
}

/**
 * Words the rule parser always takes for itself (commands, `-m`/`-j`/`-g`, counters, the generic options):
 * one of them inside an unknown module's arguments can only have been a quoted value, so it is quoted again.
 */
const claimedByRuleParser: ReadonlySet<string> = new Set([
  ...["-A", "--append", "-I", "--insert", "-R", "--replace", "-D", "--delete", "-P", "--policy", "-N", "--new-chain"],
  ...["-F", "--flush", "-X", "--delete-chain", "-Z", "--zero", "-t", "--table"],
  ...["-m", "--match", "-j", "--jump", "-g", "--goto", "-c", "--set-counters"],
  ...Object.values(ruleSchema.options).flatMap((o) => o.names),
]);

/**
 * Prints one match as `-m NAME OPTIONS`.
 *
 * @example
 * ```ts
 * const { value } = parseCommand("-A INPUT -p tcp --dport 22 -m comment --comment ssh -j ACCEPT");
 * value?.rule?.matches.map(printMatch); // ["-m tcp --dport 22", '-m comment --comment "ssh"']
 * ```
 */
export function printMatch(m: Match): string {
  // The name is quoted when it must be: `-m "a b"` parses, so its print has to parse back too.
  if (m.kind === "unknown") return ["-m", quoteWord(m.name), ...m.args.map(printUnknownArg)].join(" ");
  const schema = matchSchemas[m.kind];
  return ["-m", m.kind, ...printOptions(schema.options, m)].join(" ");
}

function isKnownTarget(t: Target): t is KnownTarget {
  return Object.hasOwn(targetSchemas, t.kind);
}

/**
 * Prints a target as `-j NAME OPTIONS` or `-g CHAIN`.
 *
 * @example
 * ```ts
 * const { value } = parseCommand("-A LOGDROP -j LOG --log-prefix drop:");
 * if (value?.rule?.target) printTarget(value.rule.target); // "-j LOG --log-prefix drop:"
 * ```
 */
export function printTarget(t: Target): string {
  if (isKnownTarget(t)) {
    const schema = targetSchemas[t.kind];
    return ["-j", t.kind, ...printOptions(schema.options, t)].join(" ");
  }
  switch (t.kind) {
    case "verdict":
      return `-j ${t.verdict}`;
    case "jump":
      return `-j ${t.chain}`;
    case "goto":
      return `-g ${t.chain}`;
    case "unknown":
      return ["-j", quoteWord(t.name), ...t.args.map(printUnknownArg)].join(" ");
    default:
      return assertNeverTarget(t);
  }
}

function assertNeverTarget(x: never): never {
  throw new Error(`unhandled target ${JSON.stringify(x)}`);
}

/**
 * Prints a rule line, `[p:b] -A CHAIN ...`, without the trailing newline.
 *
 * @example
 * ```ts
 * const { value } = parseRuleset("*filter\n[5:300] -A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n");
 * const rule = value?.tables[0]?.rules[0];
 * if (rule) printRule(rule); // "[5:300] -A INPUT -p tcp -m tcp --dport 22 -j ACCEPT"
 * ```
 */
export function printRule(r: Rule): string {
  const parts: string[] = [];
  if (r.counters !== undefined) parts.push(`[${r.counters.packets}:${r.counters.bytes}]`);
  parts.push("-A", r.chain);
  parts.push(...printOptions(ruleSchema.options, r));
  for (const m of r.matches) parts.push(printMatch(m));
  if (r.target !== undefined) parts.push(printTarget(r.target));
  return parts.join(" ");
}

function printChain(c: Chain): string {
  const counters = c.counters === undefined ? "" : ` [${c.counters.packets}:${c.counters.bytes}]`;
  return `:${c.name} ${c.policy ?? "-"}${counters}`;
}

function printComment(c: CommentLine): string {
  return `#${c.text}`;
}

function printTable(t: Table): string[] {
  return [
    ...t.leadingComments.map(printComment),
    `*${t.name}`,
    ...t.comments.map(printComment),
    ...t.chains.map(printChain),
    ...t.rules.map(printRule),
    "COMMIT",
  ];
}

/**
 * Prints a ruleset as iptables-save text, ending with a newline.
 *
 * @example
 * ```ts
 * const { value } = parseRuleset("*nat\n-A POSTROUTING -j MASQUERADE --random-fully\nCOMMIT\n");
 * if (value) printRuleset(value); // "*nat\n:PREROUTING ACCEPT\n...\n-A POSTROUTING -j MASQUERADE --random-fully\nCOMMIT\n"
 * ```
 */
export function printRuleset(r: Ruleset): string {
  return [...r.tables.flatMap(printTable), ...r.trailingComments.map(printComment)].join("\n") + "\n";
}
