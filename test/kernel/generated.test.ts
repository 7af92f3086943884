/**
 * Agreement with the real kernel on generated rulesets (issue 4, item 7): {@link generateRuleset} with
 * pinned seeds gives small filter + nat + mangle rulesets (ports, multiport, tcp flags, icmp types,
 * conntrack state, marks and connmarks, length, dscp, addrtype, statistic at probability 0 and 1 and nth,
 * negations, user chains with jumps, gotos and RETURN; DNAT, SNAT, MASQUERADE, REDIRECT; MARK, CONNMARK,
 * DSCP), IPv4 and IPv6. Each is loaded with iptables-legacy-restore into one router and its translation with
 * nft -f into another, packets generated from its rules go through both, and per-rule counters, what
 * reaches the server and the iptables evaluator's prediction must agree (test/helpers/kernel-agreement.ts).
 * A failure names the seed; `KERNEL_SEED=n` runs that one ruleset alone.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Family } from "../../src/ast/index.js";
import { type KernelCaseResult, labPacketsFor, runKernelCase } from "../helpers/kernel-agreement.js";
import { type KernelLab, type RouterInterfaces, createKernelLab, kernelLabSkipReason } from "../helpers/kernel-lab.js";
import { generateRuleset } from "./ruleset-generator.js";

const interfaces: RouterInterfaces = { in: "eth0", out: "eth1" };
/** Pinned seeds: 1..24 IPv4, 101..112 IPv6. */
const pinned: readonly (readonly [number, Family])[] = [
  ...Array.from({ length: 24 }, (_, i) => [i + 1, "ipv4"] as const),
  ...Array.from({ length: 12 }, (_, i) => [i + 101, "ipv6"] as const),
];
const only = process.env.KERNEL_SEED === undefined ? undefined : Number(process.env.KERNEL_SEED);
const seeds = only === undefined ? pinned : [[only, only > 100 ? "ipv6" : "ipv4"] as const];
const packetsPerRuleset = 60;

const results: KernelCaseResult[] = [];
const started = performance.now();

describe.skipIf(kernelLabSkipReason !== undefined)(`kernel agreement, generated rulesets${kernelLabSkipReason === undefined ? "" : ` (skipped: ${kernelLabSkipReason})`}`, () => {
  let lab: KernelLab | undefined;
  beforeAll(() => {
    lab = createKernelLab("ktgen");
  });
  afterAll(() => {
    lab?.destroy();
    const packets = results.reduce((n, r) => n + r.packets, 0);
    const rules = results.reduce((n, r) => n + r.rules, 0);
    console.log(`kernel generated agreement: ${String(results.length)} rulesets, ${String(rules)} counters, ${String(packets)} packets, ${String(Math.round(performance.now() - started))} ms`);
  });

  it.each(seeds.map(([seed, family]) => [`seed ${String(seed)} (${family})`, seed, family] as const))("%s", (_name, seed, family) => {
    if (lab === undefined) throw new Error("no lab");
    const result = runKernelCase(lab, {
      name: `generated ruleset, seed ${String(seed)}`,
      family,
      iptables: generateRuleset(seed, family),
      interfaces,
      packets: (rs, host) => labPacketsFor(rs, host, interfaces, packetsPerRuleset, seed),
    });
    if (process.env.KERNEL_REPORT !== undefined) console.log(result.report);
    expect(result.skipped, `seed ${String(seed)}`).toBeUndefined();
    expect(result.predicted, result.report).toBe(true);
    expect(result.disagreements, result.report).toEqual([]);
    results.push(result);
  });
});
