/**
 * The generic options every rule may have: `-p -s -d -i -o -f`.
 * @module
 */
import type { Rule } from "../ast/index.js";
import type { NftStatement } from "../nft/index.js";
import { type RuleContext, type Translation, ok } from "./context.js";
import { addressField, binop, eq, interfacePattern, isAnyAddress, match, matchAddress, meta, num, payload, str } from "./expr.js";
import { protocolSymbol } from "./protocols.js";

/** Translates the generic part of a rule. */
export function translateGeneric(rule: Rule, cx: RuleContext): Translation {
  const out: NftStatement[] = [];
  for (const [key, o] of [["iifname", rule.inInterface], ["oifname", rule.outInterface]] as const) {
    if (o === undefined) continue;
    const everyName = o.value.wildcard && o.value.name === "";
    // `-i +` matches every interface: nothing to test (and nft refuses an all-wildcard string).
    if (everyName && !o.negated) continue;
    // `! -i +` matches no packet; nft refuses an all-wildcard pattern, so test for a name no interface can
    // have (Linux interface names cannot contain "/").
    out.push(everyName ? match(meta(key), str("INVAL/D")) : interfaceMatch(key, o.value, o.negated));
  }
  if (rule.source !== undefined && !(isAnyAddress(rule.source.value) && !rule.source.negated)) {
    out.push(matchAddress(addressField(cx.family, "saddr"), rule.source.value, rule.source.negated));
  }
  if (rule.destination !== undefined && !(isAnyAddress(rule.destination.value) && !rule.destination.negated)) {
    out.push(matchAddress(addressField(cx.family, "daddr"), rule.destination.value, rule.destination.negated));
  }
  if (rule.protocol !== undefined) out.push(match(meta("l4proto"), protocolSymbol(rule.protocol.value), eq(rule.protocol.negated)));
  if (rule.fragment !== undefined) {
    // -f: second and later fragments (fragment offset non-zero); IPv4 only, which the parser enforces.
    out.push(match(binop("&", payload("ip", "frag-off"), num(0x1fff, "hex")), num(0), rule.fragment.negated ? "==" : "!="));
  }
  return ok(...out);
}

function interfaceMatch(key: "iifname" | "oifname", i: { readonly name: string; readonly wildcard: boolean }, negated: boolean): NftStatement {
  return match(meta(key), interfacePattern(i), eq(negated));
}
