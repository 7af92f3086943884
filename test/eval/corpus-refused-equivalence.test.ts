/**
 * The corpus files with refused rules (test/fixtures/corpus/expected-refusals.json) are checked too (issue 4,
 * item 6: every corpus file), in two ways, on 2,000 generated packets per path:
 *
 * 1. **Everything else is translated faithfully**: the input without its refused rules is equivalent to the
 *    `--allow-untranslated` translation. A mistake in any other rule of the file shows here.
 * 2. **What leaving them out costs, in the evaluators' model**: the whole input against that translation.
 *    The expected answer is kept per file in {@link omissionCost} with the reason, and checked: CHECKSUM only
 *    fills a checksum, which the packet model does not hold, so leaving it out changes no outcome; the
 *    physdev rules match only bridged packets, and the model has no bridge (a routed packet is never
 *    bridged), so in the model they change nothing either, while on a real bridge they would; the socket
 *    rule without --nowildcard does change outcomes, and the check must find the counterexample.
 */
import { describe, expect, it } from "vitest";
import type { Ruleset } from "../../src/ast/index.js";
import { type EquivalenceResult, checkEquivalence, describeCounterexample } from "../../src/eval/equivalence.js";
import type { Packet, PacketPath } from "../../src/eval/packet.js";
import { translate } from "../../src/translate/index.js";
import { corpusIpsets, expectedRefusals, parseCorpusFile } from "../helpers/corpus.js";
import { newConnection } from "../helpers/eval.js";

/** Packets generated per path; the issue asks for at least 2,000. */
const packetsPerPath = 2000;
const allPaths: readonly PacketPath[] = ["input", "forward", "output"];

/**
 * What the whole input against the translation without its refused rules gives, per file, and why; with the
 * packets that show it when generated ones do not (they carry no local socket on prerouting).
 */
const omissionCost: Readonly<Record<string, { readonly result: "equivalent" | "counterexample"; readonly why: string; readonly packets?: readonly Packet[] }>> = {
  "public/codeindex-cilium-kubeproxy-docker-node.S-converted.rules": {
    result: "counterexample",
    why: "the socket rule marks packets of a transparent local socket 0x200 (TPROXY'd traffic); without it they stay unmarked",
    packets: [transparentSocketPacket()],
  },
  "public/codeindex-hostaudit-docker28-libvirt-ufw-counters.rules": { result: "equivalent", why: "CHECKSUM fills a checksum, which no rule reads" },
  "public/dockerbin-docker1-libvirt-centos7.rules": { result: "equivalent", why: "CHECKSUM fills a checksum, which no rule reads" },
  "public/free5gc-compose-docker-host.rules": { result: "equivalent", why: "CHECKSUM fills a checksum, which no rule reads" },
  "public/ytdl-k3s-kuberouter-netbird-pi.rules": { result: "equivalent", why: "the physdev rules match only bridged packets; the model routes, it does not bridge" },
};

/** A packet arriving for a transparent proxy's full local socket, as cilium's rule 13 looks for. */
function transparentSocketPacket(): Packet {
  const p: Packet = {
    family: "ipv4",
    path: "input",
    iif: "eth0",
    saddr: "192.0.2.7",
    daddr: "10.0.0.1",
    l4proto: 6,
    sport: 40000,
    dport: 8080,
    tcpFlags: 0x10,
    length: 60,
    ttl: 64,
    dscp: 0,
    ecn: 0,
    mark: 0,
    pkttype: "unicast",
    cpu: 0,
    socket: { uid: 0, gid: 0, transparent: true, mark: 0, full: true, wildcard: false },
  };
  return { ...p, ct: newConnection(p) };
}

/** `ruleset` without the rules that start on `lines`. */
function withoutRules(ruleset: Ruleset, lines: ReadonlySet<number>): Ruleset {
  return { ...ruleset, tables: ruleset.tables.map((t) => ({ ...t, rules: t.rules.filter((r) => !lines.has(r.span.start.line)) })) };
}

function describeResult(r: EquivalenceResult): string {
  switch (r.kind) {
    case "equivalent":
      return `equivalent on ${r.packets} packets, ${r.unsupported.length} refused:\n${[...new Set(r.unsupported.map((u) => `${u.side} ${u.feature}: ${u.message} ${JSON.stringify(u.packet)}`))].join("\n")}`;
    case "unchecked":
      return `unchecked: ${r.side} ${r.feature}: ${r.message}`;
    case "counterexample":
      return describeCounterexample(r);
    default:
      return assertNever(r);
  }
}

function assertNever(x: never): never {
  throw new Error(`unhandled ${JSON.stringify(x)}`);
}

describe("corpus files with refused rules", () => {
  it("has an expected cost for exactly the files with refusals", () => {
    expect(Object.keys(omissionCost).sort()).toEqual(Object.keys(expectedRefusals).sort());
  });

  it.each(Object.keys(expectedRefusals).sort())("%s: the rest is equivalent; leaving out the refused rules costs what the table says", (file) => {
    const ruleset = parseCorpusFile(file);
    const ipsets = corpusIpsets(file);
    const translation = translate(ruleset, { file, allowUntranslated: true, ...(ipsets === undefined ? {} : { ipsets }) });
    const nft = translation.value?.nft;
    if (nft === undefined) throw new Error(`${file}: no translation with allowUntranslated`);
    // The rules left out are exactly those expected-refusals.json lists.
    const refusedLines = new Set(translation.value?.untranslated.map((u) => u.line));
    const expectedLines = new Set(expectedRefusals[file]?.refusals.map((r) => Number(r.split(":")[0])));
    expect([...refusedLines].sort((a, b) => a - b)).toEqual([...expectedLines].sort((a, b) => a - b));

    const options = { count: packetsPerPath, paths: allPaths, ...(ipsets === undefined ? {} : { ipsets }) };
    const rest = checkEquivalence(withoutRules(ruleset, refusedLines), nft, options);
    expect(rest.kind === "equivalent" && rest.unsupported.length === 0, `${file} without its refused rules: ${describeResult(rest)}`).toBe(true);
    expect(rest).toMatchObject({ packets: packetsPerPath * allPaths.length, paths: allPaths });

    const expected = omissionCost[file];
    const whole = checkEquivalence(ruleset, nft, expected?.packets === undefined ? options : { ...options, packets: expected.packets });
    expect(whole.kind, `${file} whole (${expected?.why ?? "?"}): ${describeResult(whole)}`).toBe(expected?.result);
    if (whole.kind === "equivalent") expect(whole.unsupported, describeResult(whole)).toEqual([]);
  });
});
