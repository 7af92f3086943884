/**
 * Translates one iptables rule: generic options, then each match, then the target, into one nft rule, or into
 * several when a match is an OR that nft cannot write in one rule ({@link Alternatives}).
 * @module
 */
import { type Match, type Rule, type Target, type VerdictTarget, printRule } from "../ast/index.js";
import { type NftExpr, type NftRule, type NftStatement, isConditionStatement, printNftStatement } from "../nft/index.js";
import { type Alternatives, type Caveat, type Refusal, type RuleContext, type Translation, type TranslatorResult, isAlternatives, isRefusal } from "./context.js";
import { matchTranslators, targetTranslators } from "./dispatch.js";
import { translateGeneric } from "./generic.js";
import { ruleComment } from "./comment.js";
import { protocolPayloadName } from "./protocols.js";

/**
 * The outcome of translating one rule: its nft rules (one, or one per alternative when a match is an OR nft
 * cannot write in one rule), or why it has no translation.
 */
export type RuleTranslation = { readonly rules: readonly NftRule[]; readonly caveats: readonly Caveat[] } | { readonly refusals: readonly Refusal[] };

function translateMatch(m: Match, cx: RuleContext): TranslatorResult {
  if (m.kind === "unknown") return { refused: `-m ${m.name} is not a module ipt2nft knows`, span: m.span };
  // The table is keyed by kind, so the lookup and the node always agree; TypeScript cannot see that through the union.
  const f = matchTranslators[m.kind] as (n: Match, c: RuleContext) => TranslatorResult;
  return f(m, cx);
}

function translateVerdict(t: VerdictTarget): Translation {
  switch (t.verdict) {
    case "ACCEPT":
      return { stmts: [{ kind: "accept" }] };
    case "DROP":
      return { stmts: [{ kind: "drop" }] };
    case "RETURN":
      return { stmts: [{ kind: "return" }] };
    case "QUEUE":
      // -j QUEUE is NFQUEUE queue 0 without bypass.
      return { stmts: [{ kind: "queue", num: { kind: "number", value: 0 } }] };
    default:
      return assertNever(t.verdict);
  }
}

function translateTarget(t: Target, cx: RuleContext): TranslatorResult {
  if (t.kind === "verdict") return translateVerdict(t);
  if (t.kind === "jump" || t.kind === "goto") return { stmts: [{ kind: t.kind, target: cx.chainName(t.chain) }] };
  if (t.kind === "unknown") return { refused: `-j ${t.name} is not a target ipt2nft knows`, span: t.span };
  // The table is keyed by kind, so the lookup and the node always agree; TypeScript cannot see that through the union.
  const f = targetTranslators[t.kind] as (n: Target, c: RuleContext) => TranslatorResult;
  return f(t, cx);
}

/**
 * Drops `meta l4proto P` when a later match reads P's header (`tcp dport 22` already requires tcp), as nft
 * itself would add that dependency; a bare `-m tcp` keeps it.
 */
function dropImpliedProtocol(stmts: readonly NftStatement[], protocol: number | undefined): readonly NftStatement[] {
  const name = protocol === undefined ? undefined : protocolPayloadName(protocol);
  if (name === undefined) return stmts;
  const first = stmts.findIndex((s) => s.kind === "match" && s.left.kind === "meta" && s.left.key === "l4proto" && s.op === "==");
  if (first === -1) return stmts;
  // Only when every statement up to the header read is a plain match: a statement with an effect in
  // between (a set update, a limit, a quota) must still see only this protocol's packets.
  const read = stmts.findIndex((s, i) => i > first && s.kind === "match" && readsPayloadOf(s.left, name));
  if (read === -1 || stmts.slice(first + 1, read).some((s) => s.kind !== "match")) return stmts;
  return stmts.filter((_s, i) => i !== first);
}

function readsPayloadOf(e: NftExpr, protocol: string): boolean {
  if (e.kind === "payload") return e.protocol === protocol;
  if (e.kind === "binop") return readsPayloadOf(e.left, protocol);
  return false;
}

/** One translated part of a rule, in rule order: fixed statements of the conditions or of the target, or an OR. */
export type RulePart = { readonly role: "condition" | "target"; readonly stmts: readonly NftStatement[] } | { readonly role: "alternatives"; readonly or: Alternatives };

/** The counter of a rule that had none, and of the second and later nft rules of a split one. */
const zero = { packets: 0n, bytes: 0n } as const;
const noLines: readonly string[] = [];

/** The most nft rules one iptables rule may become; beyond it the rule is refused. */
const maxSplitRules = 16;

/**
 * Translates a rule; all refusals of its parts are collected, not just the first.
 *
 * A part that is an OR ({@link Alternatives}) makes one nft rule per alternative (per combination, when there
 * are several), each with every other statement of the rule. That means what the iptables rule means when
 * (a) each packet runs the target at most once: the alternatives are disjoint, or the target ends the
 * packet's evaluation in the chain, so a packet that satisfies two alternatives never reaches the second
 * rule; and (b) the other statements are plain tests, which give the same answer in every rule (a limit,
 * quota, set update or numgen would keep separate state in each rule, or count a packet twice). The
 * target's own statements may act, since they run once, but must not keep state of their own.
 *
 * Counters: the iptables rule's counter goes on the first nft rule and the others start at 0, so the sum of
 * the nft rules' counters is the iptables rule's (a packet is counted by the one rule whose target it runs).
 */
export function translateRule(rule: Rule, cx: RuleContext): RuleTranslation {
  const refusals: Refusal[] = [];
  const parts: RulePart[] = [];
  const caveats: Caveat[] = [];
  const take = (t: TranslatorResult, role: "condition" | "target"): void => {
    if (isRefusal(t)) refusals.push(t);
    else if (isAlternatives(t)) parts.push({ role: "alternatives", or: t });
    else {
      parts.push({ role, stmts: t.stmts });
      if (t.caveats !== undefined) caveats.push(...t.caveats);
    }
  };
  take(translateGeneric(rule, cx), "condition");
  for (const m of rule.matches) take(translateMatch(m, cx), "condition");
  if (rule.target !== undefined) take(translateTarget(rule.target, cx), "target");
  if (refusals.length > 0) return { refusals };
  const split = splitRule(parts);
  if ("refused" in split) return { refusals: [split] };
  const { comment, leadingComments } = ruleComment(rule);
  const notes = caveats.map((c) => `approximate: ${c.differs}`);
  if (split.length > 1) notes.push(`one iptables rule as ${split.length} nft rules (its condition is an OR that nft cannot write in one rule); its counter is the sum of theirs`);
  const note = notes.length === 0 ? noLines : notes;
  return {
    caveats,
    rules: split.map((stmts, i) => {
      const leading = i > 0 ? noLines : note.length === 0 ? leadingComments : [...leadingComments, ...note];
      return {
        kind: "rule",
        exprs: dropImpliedProtocol(stmts, cx.protocol),
        counter: i === 0 ? (rule.counters ?? zero) : zero,
        ...(comment === undefined ? {} : { comment }),
        ...(leading.length === 0 ? {} : { leadingComments: leading }),
        span: rule.span,
      };
    }),
  };
}

/**
 * The statement lists of the nft rules a rule's parts make: one, or one per combination of alternatives;
 * or why splitting would not mean the same (see {@link translateRule}).
 */
export function splitRule(parts: readonly RulePart[]): readonly (readonly NftStatement[])[] | Refusal {
  // The common case, no OR: one rule with every part's statements in order.
  if (parts.every((p) => p.role !== "alternatives")) {
    const stmts: NftStatement[] = [];
    for (const p of parts) if ("stmts" in p) for (const s of p.stmts) stmts.push(s);
    return [stmts];
  }
  let rules: (readonly NftStatement[])[] = [[]];
  for (const p of parts) {
    if (p.role !== "alternatives") {
      rules = rules.map((r) => [...r, ...p.stmts]);
      continue;
    }
    // A translator returns an empty OR only by mistake: it would leave the rule without any nft rule.
    if (p.or.alternatives.length === 0) throw new Error(`no alternatives for ${p.or.why}`);
    rules = rules.flatMap((r) => p.or.alternatives.map((a) => [...r, ...a]));
  }
  const ors = parts.flatMap((p) => (p.role === "alternatives" ? [p.or] : []));
  const [first] = ors;
  if (first === undefined || rules.length === 1) return rules;
  const problem = splitProblem(parts, rules.length);
  return problem === undefined ? rules : { refused: `${ors.map((o) => o.why).join("; ")}; ${problem}`, span: first.span };
}

/** Why splitting the rule into one nft rule per alternative would not mean the same, or undefined. */
function splitProblem(parts: readonly RulePart[], count: number): string | undefined {
  const intro = `one nft rule per case would do (${count} rules), but`;
  if (count > maxSplitRules) return `${intro} ipt2nft splits a rule into at most ${maxSplitRules}`;
  const conditions = parts.flatMap((p) => (p.role === "condition" ? p.stmts : p.role === "alternatives" ? p.or.alternatives.flat() : []));
  const active = conditions.find((s) => !isPlainTest(s));
  if (active !== undefined) {
    return `${intro} the rule also has \`${printNftStatement(active)}\`, which would keep separate state in each nft rule or act more than once for a packet`;
  }
  const target = parts.flatMap((p) => (p.role === "target" ? p.stmts : []));
  const stateful = target.find(keepsOwnState);
  if (stateful !== undefined) return `${intro} the target's \`${printNftStatement(stateful)}\` would keep separate state in each nft rule`;
  if (parts.every((p) => p.role !== "alternatives" || p.or.disjoint)) return undefined;
  if (endsEvaluation(target)) return undefined;
  const what = target.length === 0 ? "the rule has no verdict that ends the packet's evaluation, so a packet in two cases would be counted twice" : `the target (\`${target.map(printNftStatement).join(" ")}\`) does not end the packet's evaluation, so a packet in two cases would run it twice`;
  return `${intro} the cases overlap and ${what}`;
}

/** A statement that only tests the packet: the same answer in every rule, no state, no effect. */
function isPlainTest(s: NftStatement): boolean {
  return s.kind === "match" && !drawsNumber(s.left) && !drawsNumber(s.right);
}

/**
 * True when a statement keeps state that belongs to the nft rule it is in (anonymous limits, quotas,
 * counters, ct count lists, meters, numgen counters), which two copies of a rule would not share. Named
 * objects and named sets (with their per-element statements) are shared.
 */
function keepsOwnState(s: NftStatement): boolean {
  switch (s.kind) {
    case "limit":
    case "quota":
    case "counter":
    case "ct count":
    case "meter":
      return true;
    case "match":
      return drawsNumber(s.left) || drawsNumber(s.right);
    case "mangle":
      return drawsNumber(s.key) || drawsNumber(s.value);
    case "set":
      return drawsNumber(s.elem);
    case "snat":
    case "dnat":
    case "tproxy":
      return (s.addr !== undefined && drawsNumber(s.addr)) || (s.port !== undefined && drawsNumber(s.port));
    case "masquerade":
    case "redirect":
      return s.port !== undefined && drawsNumber(s.port);
    case "queue":
      return s.num !== undefined && drawsNumber(s.num);
    case "dup":
      return drawsNumber(s.addr) || (s.dev !== undefined && drawsNumber(s.dev));
    case "vmap":
      return drawsNumber(s.key) || drawsNumber(s.data);
    case "raw":
      // Its meaning is unknown to the model: assume the worst.
      return true;
    case "accept":
    case "drop":
    case "continue":
    case "return":
    case "jump":
    case "goto":
    case "objref":
    case "log":
    case "reject":
    case "synproxy":
    case "notrack":
      return false;
    default:
      return assertNever(s);
  }
}

/**
 * Verdicts after which the packet does not reach the chain's next rule: accept, drop, reject, queue and the
 * NAT statements end its evaluation in the hook, return and goto leave the chain. The statements before
 * such a verdict must not act and then stop the rule (a packet that fails the rule after acting would act
 * again in the next nft rule).
 */
function endsEvaluation(target: readonly NftStatement[]): boolean {
  const last = target.at(-1);
  if (last === undefined || !["accept", "drop", "reject", "return", "goto", "queue", "snat", "dnat", "masquerade", "redirect"].includes(last.kind)) return false;
  const firstAct = target.findIndex((s) => !isPlainTest(s));
  return target.slice(firstAct + 1, -1).every((s) => !isConditionStatement(s));
}

/**
 * True when an expression draws a number (numgen, meta random), which differs between two evaluations: two
 * copies of a rule would count or draw separately.
 */
function drawsNumber(e: NftExpr): boolean {
  switch (e.kind) {
    case "numgen":
      return true;
    case "meta":
      return e.key === "random";
    case "binop":
      return drawsNumber(e.left) || drawsNumber(e.right);
    case "range":
      return drawsNumber(e.low) || drawsNumber(e.high);
    case "concat":
      return e.exprs.some(drawsNumber);
    case "list":
      return e.values.some(drawsNumber);
    case "set":
      return e.elements.some(drawsNumber);
    case "mapping":
      return drawsNumber(e.key) || drawsNumber(e.value);
    case "elem":
      return drawsNumber(e.val);
    case "map":
      return drawsNumber(e.key) || drawsNumber(e.data);
    case "jhash":
      return drawsNumber(e.expr);
    case "payload":
    case "raw payload":
    case "exthdr":
    case "tcp option":
    case "ip option":
    case "ct":
    case "fib":
    case "socket":
    case "symhash":
    case "rt":
    case "ipsec":
    case "number":
    case "string":
    case "symbol":
    case "boolean":
    case "prefix":
    case "set reference":
    case "accept":
    case "drop":
    case "continue":
    case "return":
    case "jump":
    case "goto":
      return false;
    default:
      return assertNever(e);
  }
}

/** The rule as canonical iptables-save text, for messages and `# UNTRANSLATED` lines. */
export function ruleText(rule: Rule): string {
  const { counters: _counters, ...withoutCounters } = rule;
  return printRule(withoutCounters);
}

function assertNever(x: never): never {
  throw new Error(`unhandled ${JSON.stringify(x)}`);
}
