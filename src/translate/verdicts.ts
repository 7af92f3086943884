/**
 * The REJECT target: drop the packet and answer with an ICMP error or a TCP reset.
 *
 * nft's reject statement calls the same kernel helpers as ipt_REJECT and ip6t_REJECT (`nf_send_unreach`,
 * `nf_send_reset` and their IPv6 twins) and then drops, so each `--reject-with` type maps to the reject
 * statement with the same ICMP code. nft's plain `reject` in an `ip`/`ip6` table sends port-unreachable,
 * which is also REJECT's default, so that type prints as `reject`, as `nft list` shows it.
 * @module
 */
import type { Family, KnownTarget } from "../ast/index.js";
import type { NftReject } from "../nft/index.js";
import { type ByKind, type RuleContext, type Translation, ok, refuse } from "./context.js";
import { refuseMisplaced } from "./helper-chains.js";

type RejectTarget = Extract<KnownTarget, { kind: "REJECT" }>;
type RejectType = NonNullable<RejectTarget["rejectWith"]>["value"];

/** What each reject type sends, and in which family iptables knows it. */
const rejectTypes: Readonly<Record<RejectType, { readonly family: Family | "both"; readonly with: NftReject["with"] }>> = {
  "icmp-net-unreachable": { family: "ipv4", with: { type: "icmp", code: "net-unreachable" } },
  "icmp-host-unreachable": { family: "ipv4", with: { type: "icmp", code: "host-unreachable" } },
  "icmp-proto-unreachable": { family: "ipv4", with: { type: "icmp", code: "prot-unreachable" } },
  // nft's default reject in an ip table: ICMP port unreachable.
  "icmp-port-unreachable": { family: "ipv4", with: undefined },
  "icmp-net-prohibited": { family: "ipv4", with: { type: "icmp", code: "net-prohibited" } },
  "icmp-host-prohibited": { family: "ipv4", with: { type: "icmp", code: "host-prohibited" } },
  "icmp-admin-prohibited": { family: "ipv4", with: { type: "icmp", code: "admin-prohibited" } },
  "tcp-reset": { family: "both", with: { type: "tcp reset" } },
  "icmp6-no-route": { family: "ipv6", with: { type: "icmpv6", code: "no-route" } },
  "icmp6-adm-prohibited": { family: "ipv6", with: { type: "icmpv6", code: "admin-prohibited" } },
  "icmp6-addr-unreachable": { family: "ipv6", with: { type: "icmpv6", code: "addr-unreachable" } },
  // nft's default reject in an ip6 table: ICMPv6 port unreachable.
  "icmp6-port-unreachable": { family: "ipv6", with: undefined },
  "icmp6-policy-fail": { family: "ipv6", with: { type: "icmpv6", code: "policy-fail" } },
  "icmp6-reject-route": { family: "ipv6", with: { type: "icmpv6", code: "reject-route" } },
};

/**
 * `-j REJECT [--reject-with TYPE]` → `reject [with icmp|icmpv6 type CODE | with tcp reset]`. A TCP reset
 * needs `-p tcp` (the kernel refuses the rule otherwise); the rule's `meta l4proto tcp` stays in front of
 * the reject, where nft also wants it.
 */
export function translateReject(t: RejectTarget, cx: RuleContext): Translation {
  const misplaced = refuseMisplaced(cx, t.span, "REJECT", ["filter"], ["INPUT", "FORWARD", "OUTPUT"]);
  if (misplaced !== undefined) return misplaced;
  if (t.rejectWith === undefined) return ok({ kind: "reject" });
  const type = t.rejectWith.value;
  const known = rejectTypes[type];
  if (known.family !== "both" && known.family !== cx.family) {
    return refuse(`--reject-with ${type} is an ${known.family === "ipv4" ? "IPv4" : "IPv6"} reject type; this is an ${cx.family === "ipv4" ? "IPv4" : "IPv6"} ruleset`, t.rejectWith.span);
  }
  if (type === "tcp-reset" && (cx.protocol !== 6 || cx.rule.protocol?.negated === true)) {
    return refuse("REJECT --reject-with tcp-reset needs -p tcp: the kernel refuses a TCP reset on a rule that may match other protocols", t.rejectWith.span);
  }
  return ok(known.with === undefined ? { kind: "reject" } : { kind: "reject", with: known.with });
}

/** The verdict-like targets this file provides. */
export const verdictTargetTranslators = {
  REJECT: translateReject,
} satisfies Partial<ByKind<KnownTarget>>;
