/**
 * Packet-model helpers for evaluator tests.
 */
import { connectionTuples } from "../../src/eval/common.js";
import type { Conntrack, Packet } from "../../src/eval/packet.js";

/** The conntrack entry of a connection the packet opens (state new, nothing seen back yet), with overrides. */
export function newConnection(p: Omit<Packet, "ct">, over: Partial<Conntrack> = {}): Conntrack {
  return {
    state: "new",
    status: { expected: false, seenReply: false, assured: false, confirmed: false, snat: false, dnat: false },
    mark: 0,
    zone: 0,
    direction: "original",
    ...connectionTuples(p),
    expires: 120,
    packets: { original: 1n, reply: 0n },
    bytes: { original: 60n, reply: 0n },
    labels: [],
    ...over,
  };
}
