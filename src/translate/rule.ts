/**
 * Translates one iptables rule: generic options, then each match, then the target, into one nft rule.
 * @module
 */
import { type Match, type Rule, type Target, type VerdictTarget, printRule } from "../ast/index.js";
import type { NftExpr, NftRule, NftStatement } from "../nft/index.js";
import { type Refusal, type RuleContext, type Translation, isRefusal } from "./context.js";
import { matchTranslators, targetTranslators } from "./dispatch.js";
import { translateGeneric } from "./generic.js";
import { ruleComment } from "./comment.js";
import { protocolPayloadName } from "./protocols.js";

/** The outcome of translating one rule. */
export type RuleTranslation = { readonly rule: NftRule } | { readonly refusals: readonly Refusal[] };

function translateMatch(m: Match, cx: RuleContext): Translation {
  if (m.kind === "unknown") return { refused: `-m ${m.name} is not a module ipt2nft knows`, span: m.span };
  // The table is keyed by kind, so the lookup and the node always agree; TypeScript cannot see that through the union.
  const f = matchTranslators[m.kind] as (n: Match, c: RuleContext) => Translation;
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

function translateTarget(t: Target, cx: RuleContext): Translation {
  if (t.kind === "verdict") return translateVerdict(t);
  if (t.kind === "jump" || t.kind === "goto") return { stmts: [{ kind: t.kind, target: cx.chainName(t.chain) }] };
  if (t.kind === "unknown") return { refused: `-j ${t.name} is not a target ipt2nft knows`, span: t.span };
  // The table is keyed by kind, so the lookup and the node always agree; TypeScript cannot see that through the union.
  const f = targetTranslators[t.kind] as (n: Target, c: RuleContext) => Translation;
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

/** Translates a rule; all refusals of its parts are collected, not just the first. */
export function translateRule(rule: Rule, cx: RuleContext): RuleTranslation {
  const refusals: Refusal[] = [];
  const stmts: NftStatement[] = [];
  const take = (t: Translation): void => {
    if (isRefusal(t)) refusals.push(t);
    else stmts.push(...t.stmts);
  };
  take(translateGeneric(rule, cx));
  for (const m of rule.matches) take(translateMatch(m, cx));
  if (rule.target !== undefined) take(translateTarget(rule.target, cx));
  if (refusals.length > 0) return { refusals };
  const { comment, leadingComments } = ruleComment(rule);
  return {
    rule: {
      kind: "rule",
      exprs: dropImpliedProtocol(stmts, cx.protocol),
      counter: rule.counters ?? { packets: 0n, bytes: 0n },
      ...(comment === undefined ? {} : { comment }),
      ...(leadingComments.length === 0 ? {} : { leadingComments }),
      span: rule.span,
    },
  };
}

/** The rule as canonical iptables-save text, for messages and `# UNTRANSLATED` lines. */
export function ruleText(rule: Rule): string {
  const { counters: _counters, ...withoutCounters } = rule;
  return printRule(withoutCounters);
}

function assertNever(x: never): never {
  throw new Error(`unhandled ${JSON.stringify(x)}`);
}
