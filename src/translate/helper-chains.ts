/**
 * What several target translators share: helper chains (for targets whose iptables meaning needs more than
 * one nft rule, or a condition that must not change the rule's counter), and the check that a target stands
 * in a table and built-in chain where iptables accepts it.
 * @module
 */
import type { TableName } from "../ast/index.js";
import type { Span } from "../diagnostic/index.js";
import type { NftChain, NftRule, NftStatement } from "../nft/index.js";
import type { Refusal, RuleContext } from "./context.js";

/**
 * Adds a regular chain holding one rule per entry of `rules` and returns its name. A chain with the same
 * rules that an earlier rule of the table added is reused, so identical targets share one helper chain.
 *
 * Helper chains carry no counters: the rule that jumps to them counts the packets, exactly as the iptables
 * rule's counter does; conditions inside the helper chain do not change that count.
 */
export function addHelperChain(cx: RuleContext, hint: string, rules: readonly (readonly NftStatement[])[]): string {
  const body: NftRule[] = rules.map((exprs) => ({ kind: "rule", exprs }));
  const wanted = JSON.stringify(body, bigintAsString);
  for (const chain of cx.objects.chains.values()) {
    const fromHint = chain.name === hint || (chain.name.startsWith(`${hint}-`) && /^\d+$/.test(chain.name.slice(hint.length + 1)));
    if (chain.base === undefined && fromHint && JSON.stringify(chain.rules, bigintAsString) === wanted) return chain.name;
  }
  const name = cx.freshChainName(hint);
  const chain: NftChain = { kind: "chain", name, rules: body };
  cx.objects.addChain(chain);
  return name;
}

function bigintAsString(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}

/** The built-in chains of iptables, as `-A` names them. */
export type BuiltinChain = "PREROUTING" | "INPUT" | "FORWARD" | "OUTPUT" | "POSTROUTING";

const builtinChains: readonly string[] = ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"] satisfies readonly BuiltinChain[];

/**
 * Refuses a target that stands outside the tables or built-in chains where the kernel accepts it
 * (iptables-restore would fail on such a rule, and the nft statement would not load there either). In a
 * user chain the hook is only known when the rule runs, so only the table is checked there.
 */
export function refuseMisplaced(
  cx: RuleContext,
  span: Span,
  target: string,
  tables: readonly TableName[] | "any table",
  chains: readonly BuiltinChain[],
): Refusal | undefined {
  if (tables !== "any table" && !tables.includes(cx.table)) {
    return { refused: `${target} works only in the ${tables.join(" or ")} table; the kernel refuses it in ${cx.table}`, span };
  }
  if (builtinChains.includes(cx.chain) && !(chains as readonly string[]).includes(cx.chain)) {
    return { refused: `${target} works only in ${chains.join(", ")}; the kernel refuses it in ${cx.chain}`, span };
  }
  return undefined;
}
