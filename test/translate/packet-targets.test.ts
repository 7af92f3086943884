/**
 * TTL, HL, DSCP, TOS, ECN, CLASSIFY, TCPOPTSTRIP, and the refused TCPMSS, CHECKSUM, CONNSECMARK, SECMARK,
 * HMARK: exact nft text, refusals with their reasons, an exhaustive check that the TOS rules and HL maps
 * compute what the kernel targets compute for every field value, netfilter's txlate cases, and one kernel
 * load of everything translated here.
 */
import { describe, expect, it } from "vitest";
import type { Family } from "../../src/ast/index.js";
import type { NftChain, NftExpr, NftStatement } from "../../src/nft/index.js";
import type { TranslatedRuleset } from "../../src/translate/index.js";
import { kernelSkipReason } from "../helpers/translate.js";
import { itMatchesTxlate, loadTogether, translateTarget, type TxlateDifference, txlateTranslations } from "./target-cases.js";

/** [command, family, the rule's nft text, its helper chains]. */
const translations: readonly (readonly [string, Family, string, readonly string[]])[] = [
  ["-t mangle -A FORWARD -j TTL --ttl-set 64", "ipv4", "ip ttl set 64", []],
  ["-t mangle -A FORWARD -j HL --hl-set 0", "ipv6", "ip6 hoplimit set 0", []],
  ["-t mangle -A FORWARD -j HL --hl-dec 250", "ipv6", "ip6 hoplimit set ip6 hoplimit map { 0-250 : 0, 251 : 1, 252 : 2, 253 : 3, 254 : 4, 255 : 5 }", []],
  ["-t mangle -A FORWARD -j HL --hl-inc 250", "ipv6", "ip6 hoplimit set ip6 hoplimit map { 0 : 250, 1 : 251, 2 : 252, 3 : 253, 4 : 254, 5-255 : 255 }", []],
  ["-t mangle -A FORWARD -j HL --hl-inc 255", "ipv6", "ip6 hoplimit set ip6 hoplimit map { 0-255 : 255 }", []],
  ["-t mangle -A OUTPUT -j DSCP --set-dscp 0x2e", "ipv4", "ip dscp set 0x2e", []],
  ["-t mangle -A OUTPUT -j DSCP --set-dscp 0", "ipv6", "ip6 dscp set 0x0", []],
  ["-t mangle -A OUTPUT -j DSCP --set-dscp-class AF41", "ipv4", "ip dscp set af41", []],
  ["-t mangle -A OUTPUT -j DSCP --set-dscp-class BE", "ipv6", "ip6 dscp set be", []],
  // A TOS value with the whole byte as mask: both parts are constants.
  ["-t mangle -A PREROUTING -j TOS --set-tos 0x10", "ipv4", "ip dscp set 0x4 ip ecn set not-ect", []],
  ["-t mangle -A PREROUTING -j TOS --set-tos 0x1f", "ipv6", "ip6 dscp set 0x7 ip6 ecn set ce", []],
  ["-t mangle -A PREROUTING -j TOS --set-tos 0x01/0x03", "ipv4", "ip ecn set ect1", []],
  // An identity: nothing to write.
  ["-t mangle -A PREROUTING -j TOS --and-tos 0xff", "ipv4", "", []],
  // A TOS name keeps the two precedence bits: one rule per value of them.
  [
    "-t mangle -A PREROUTING -j TOS --set-tos Minimize-Delay",
    "ipv4",
    "ip ecn set not-ect jump TOS",
    ["TOS: ip dscp & 0x30 == 0x0 ip dscp set 0x4 return; ip dscp & 0x30 == 0x10 ip dscp set 0x14 return; ip dscp & 0x30 == 0x20 ip dscp set 0x24 return; ip dscp & 0x30 == 0x30 ip dscp set 0x34 return"],
  ],
  [
    "-t mangle -A PREROUTING -j TOS --and-tos 0x12",
    "ipv6",
    "jump TOS",
    [
      "TOS_dscp: ip6 dscp & 0x4 == 0x0 ip6 dscp set 0x0 return; ip6 dscp & 0x4 == 0x4 ip6 dscp set 0x4 return",
      "TOS: jump TOS_dscp; ip6 ecn & 0x2 == 0x0 ip6 ecn set not-ect return; ip6 ecn & 0x2 == 0x2 ip6 ecn set ect0 return",
    ],
  ],
  ["-t mangle -A PREROUTING -j ECN --ecn-ip-ect 1", "ipv4", "ip ecn set ect1", []],
  ["-t mangle -A PREROUTING -j ECN --ecn-ip-ect 3", "ipv4", "ip ecn set ce", []],
  ["-A OUTPUT -j CLASSIFY --set-class 0:0", "ipv4", "meta priority set none", []],
  ["-A OUTPUT -j CLASSIFY --set-class ffff:ffff", "ipv4", "meta priority set root", []],
  ["-A OUTPUT -j CLASSIFY --set-class 1:10", "ipv6", "meta priority set 1:10", []],
  ["-t mangle -A POSTROUTING -j CLASSIFY --set-class abcd:ef", "ipv4", "meta priority set abcd:ef", []],
  [
    "-t mangle -A FORWARD -p tcp -j TCPOPTSTRIP --strip-options mss,wscale,sack-permitted,sack,timestamp,md5,30",
    "ipv4",
    "meta l4proto tcp reset tcp option maxseg reset tcp option window reset tcp option sack-perm reset tcp option sack reset tcp option timestamp reset tcp option md5sig reset tcp option 30",
    [],
  ],
  ["-t mangle -A FORWARD -p tcp -j TCPOPTSTRIP --strip-options 254", "ipv6", "meta l4proto tcp reset tcp option 254", []],
  // Without --strip-options TCPOPTSTRIP strips nothing.
  ["-t mangle -A FORWARD -p tcp -j TCPOPTSTRIP", "ipv4", "meta l4proto tcp", []],
];

/** [command, family, what the refusal says]. */
const refusals: readonly (readonly [string, Family, RegExp])[] = [
  ["-t mangle -A FORWARD -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu", "ipv4", /also inserts one .* into a SYN without it; nft 1\.0\.6 cannot add TCP options; and rt mtu yields 536 for a path MTU above 65535/],
  ["-t mangle -A FORWARD -p tcp --syn -j TCPMSS --set-mss 1400", "ipv6", /TCPMSS --set-mss 1400: nft's tcp option maxseg size set only rewrites an MSS option the SYN carries/],
  ["-t mangle -A FORWARD -j TTL --ttl-inc 1", "ipv4", /TTL --ttl-inc: nft 1\.0\.6 can set ip ttl only to a constant/],
  ["-t mangle -A FORWARD -j TTL --ttl-dec 1", "ipv4", /TTL --ttl-dec: nft 1\.0\.6 can set ip ttl only to a constant/],
  ["-t mangle -A FORWARD -p tcp -j ECN --ecn-tcp-remove", "ipv4", /ECN's TCP options change the ECE and CWR bits/],
  ["-t mangle -A FORWARD -p tcp -j ECN --ecn-tcp-cwr 1 --ecn-ip-ect 0", "ipv4", /ECN's TCP options/],
  ["-t mangle -A POSTROUTING -p udp --dport 68 -j CHECKSUM --checksum-fill", "ipv4", /CHECKSUM --checksum-fill .* nft has no statement that computes a packet's checksum/],
  ["-t mangle -A INPUT -j CONNSECMARK --save", "ipv4", /CONNSECMARK --save copies the packet's security mark to connections without one; nft 1\.0\.6 cannot test a secmark for zero/],
  ["-t security -A OUTPUT -j CONNSECMARK --restore", "ipv6", /CONNSECMARK --restore copies the connection's security mark/],
  ["-t security -A INPUT -j SECMARK --selctx system_u:object_r:ssh_packet_t:s0", "ipv4", /SECMARK needs an nft secmark object/],
  ["-t mangle -A FORWARD -j TCPOPTSTRIP --strip-options mss", "ipv4", /TCPOPTSTRIP needs -p tcp/],
  ["-t mangle -A PREROUTING -j HMARK --hmark-tuple src,dst --hmark-mod 4 --hmark-rnd 0x1", "ipv4", /HMARK hashes direction-sorted addresses and ports with jhash_3words/],
];

/** Txlate cases of these targets whose translation differs from netfilter's on purpose. */
const packetTargets = ["TCPMSS", "TTL", "HL", "DSCP", "TOS", "ECN", "CHECKSUM", "CLASSIFY", "CONNSECMARK", "SECMARK", "TCPOPTSTRIP", "HMARK"];
const tosKeepsEcn = "TOS sets the whole traffic class, ECN bits included, to (tos & ~mask) ^ value; netfilter's form sets only the DSCP bits";
const tosKeepsBits = "nft 1.0.6 cannot write ip6 dscp from a computed value (netfilter's form does not load); one rule per value of the kept bits does it";
const txlateDifferences: Readonly<Record<string, TxlateDifference>> = {
  "libxt_DSCP.txlate:1": { ours: "ip dscp set 0x1", why: "the same value; nft lists it as 0x01" },
  "libxt_DSCP.txlate:4": { ours: "ip6 dscp set 0x6", why: "the same value; nft lists it as 0x06" },
  "libxt_TCPMSS.txlate:1": { refused: /TCPMSS --clamp-mss-to-pmtu: .*cannot add TCP options.*rt mtu yields 536/, why: "nft neither inserts a missing MSS option nor clamps as TCPMSS does for MTUs above 65535" },
  "libxt_TCPMSS.txlate:4": { refused: /TCPMSS --set-mss 90: .*cannot add TCP options/, why: "nft cannot insert the MSS option TCPMSS adds to SYNs without one" },
  "libxt_TOS.txlate:1": { ours: "ip6 dscp set 0x7 ip6 ecn set ce", why: tosKeepsEcn },
  "libxt_TOS.txlate:4": { ours: "ip6 dscp set 0x3f ip6 ecn set ce", why: tosKeepsEcn },
  "libxt_TOS.txlate:7": {
    ours: "ip6 ecn set not-ect jump TOS",
    helpers: ["TOS: ip6 dscp & 0x30 == 0x0 ip6 dscp set 0x4 return; ip6 dscp & 0x30 == 0x10 ip6 dscp set 0x14 return; ip6 dscp & 0x30 == 0x20 ip6 dscp set 0x24 return; ip6 dscp & 0x30 == 0x30 ip6 dscp set 0x34 return"],
    why: "a TOS name keeps the precedence bits (mask 0x3f) and clears ECN; netfilter's form overwrites the precedence bits",
  },
  "libxt_TOS.txlate:10": {
    ours: "ip6 ecn set ect0 jump TOS",
    helpers: ["TOS: ip6 dscp & 0x30 == 0x0 ip6 dscp set 0x0 return; ip6 dscp & 0x30 == 0x10 ip6 dscp set 0x10 return; ip6 dscp & 0x30 == 0x20 ip6 dscp set 0x20 return; ip6 dscp & 0x30 == 0x30 ip6 dscp set 0x30 return"],
    why: "Minimize-Cost is 0x02: it sets ECN to ect0 and keeps the precedence bits; netfilter's form does neither",
  },
  "libxt_TOS.txlate:13": {
    ours: "ip6 ecn set not-ect jump TOS",
    helpers: ["TOS: ip6 dscp & 0x30 == 0x0 ip6 dscp set 0x0 return; ip6 dscp & 0x30 == 0x10 ip6 dscp set 0x10 return; ip6 dscp & 0x30 == 0x20 ip6 dscp set 0x20 return; ip6 dscp & 0x30 == 0x30 ip6 dscp set 0x30 return"],
    why: "Normal-Service keeps the precedence bits and clears ECN; netfilter's form clears the precedence bits",
  },
  "libxt_TOS.txlate:16": {
    ours: "jump TOS",
    helpers: [
      "TOS_dscp: ip6 dscp & 0x4 == 0x0 ip6 dscp set 0x0 return; ip6 dscp & 0x4 == 0x4 ip6 dscp set 0x4 return",
      "TOS: jump TOS_dscp; ip6 ecn & 0x2 == 0x0 ip6 ecn set not-ect return; ip6 ecn & 0x2 == 0x2 ip6 ecn set ect0 return",
    ],
    why: `${tosKeepsBits}; the ECN bits are ANDed too`,
  },
  // Long helper chains: checked value by value by the simulation below.
  "libxt_TOS.txlate:19": { ours: "jump TOS", helpers: 2, why: `${tosKeepsBits}; the ECN bits are ORed too` },
  "libxt_TOS.txlate:22": { ours: "jump TOS", helpers: 2, why: `${tosKeepsBits}; the ECN bits are XORed too` },
  "libxt_TOS.txlate:25": { ours: "jump TOS", helpers: 2, why: `${tosKeepsBits}; the ECN bits are masked too` },
};

describe("packet-rewriting targets", () => {
  for (const [command, family, expected, helpers] of translations) {
    it(`${family} ${command}`, () => {
      const t = translateTarget(command, family);
      expect(t.refusals).toEqual([]);
      expect(t.text).toBe(expected);
      expect(t.helpers).toEqual(helpers);
    });
  }
  for (const [command, family, reason] of refusals) {
    it(`refuses ${family} ${command}`, () => {
      const t = translateTarget(command, family);
      expect(t.text).toBeUndefined();
      expect(t.refusals.join("; ")).toMatch(reason);
    });
  }
});

// ---------------------------------------------------------------------------------------------------------------
// Exhaustive checks: the nft statements, run on every value of the fields, give what the kernel target gives.
// ---------------------------------------------------------------------------------------------------------------

/** A packet's TOS byte as the nft fields see it. */
interface TosFields {
  dscp: number;
  ecn: number;
}

function numberOf(e: NftExpr): number {
  if (e.kind === "number") return Number(e.value);
  if (e.kind === "symbol") {
    const ecn = ["not-ect", "ect1", "ect0", "ce"].indexOf(e.value);
    if (ecn >= 0) return ecn;
  }
  throw new Error(`not a constant: ${JSON.stringify(e)}`);
}

function fieldOf(e: NftExpr): keyof TosFields {
  if (e.kind === "payload" && (e.field === "dscp" || e.field === "ecn")) return e.field;
  throw new Error(`not a TOS field: ${JSON.stringify(e)}`);
}

/** Runs statements as nft does: a failed match ends the rule, `return` ends the chain, `jump` runs a chain. */
function runRule(stmts: readonly NftStatement[], p: TosFields, chains: ReadonlyMap<string, NftChain>): "next" | "return" {
  for (const s of stmts) {
    if (s.kind === "match") {
      const left = s.left.kind === "binop" ? p[fieldOf(s.left.left)] & numberOf(s.left.right) : p[fieldOf(s.left)];
      if (left !== numberOf(s.right)) return "next";
    } else if (s.kind === "mangle") {
      p[fieldOf(s.key)] = numberOf(s.value);
    } else if (s.kind === "jump") {
      const chain = chains.get(s.target);
      if (chain === undefined) throw new Error(`no chain ${s.target}`);
      for (const r of chain.rules) if (runRule(r.exprs, p, chains) === "return") break;
    } else if (s.kind === "return") {
      return "return";
    } else {
      // Only the statements the TOS translation writes are simulated.
      throw new Error(`unexpected statement ${s.kind}`);
    }
  }
  return "next";
}

/** Every TOS target form, as [option words, value, mask] of the kernel's `(tos & ~mask) ^ value`. */
const tosForms: readonly (readonly [string, number, number])[] = [
  ["--set-tos 0x10", 0x10, 0xff],
  ["--set-tos Minimize-Delay", 0x10, 0x3f],
  ["--set-tos Maximize-Throughput", 0x08, 0x3f],
  ["--set-tos Minimize-Cost", 0x02, 0x3f],
  ["--set-tos 0x12/0x34", 0x12, 0x34],
  ["--set-tos 0xb8/0xfc", 0xb8, 0xfc],
  ["--set-tos 0x03/0x03", 0x03, 0x03],
  ["--and-tos 0x12", 0x00, 0xed],
  ["--or-tos 0x12", 0x12, 0x12],
  ["--xor-tos 0x12", 0x12, 0x00],
  ["--xor-tos 0xff", 0xff, 0x00],
  ["--set-tos 0x00/0x00", 0x00, 0x00],
];

describe("TOS rules compute (tos & ~mask) ^ value for all 256 TOS bytes", () => {
  for (const [options, value, mask] of tosForms) {
    for (const family of ["ipv4", "ipv6"] as const) {
      it(`${family} -j TOS ${options}`, () => {
        const t = translateTarget(`-t mangle -A PREROUTING -j TOS ${options}`, family);
        const table = t.result?.nft.tables[0];
        const rule = table?.chains.find((c) => c.name === "PREROUTING")?.rules[0];
        if (table === undefined || rule === undefined) throw new Error(t.refusals.join("; "));
        const chains = new Map(table.chains.map((c) => [c.name, c]));
        const wrong: string[] = [];
        for (let tos = 0; tos < 256; tos++) {
          const p: TosFields = { dscp: tos >> 2, ecn: tos & 3 };
          runRule(rule.exprs, p, chains);
          const got = (p.dscp << 2) | p.ecn;
          const want = (tos & ~mask & 0xff) ^ value;
          if (got !== want) wrong.push(`0x${tos.toString(16)} → 0x${got.toString(16)}, want 0x${want.toString(16)}`);
        }
        expect(wrong).toEqual([]);
      });
    }
  }
});

describe("HL maps compute ip6t_HL's saturating arithmetic for all 256 hop limits", () => {
  for (const option of ["--hl-inc 1", "--hl-inc 17", "--hl-inc 255", "--hl-dec 1", "--hl-dec 64", "--hl-dec 255"]) {
    it(`-j HL ${option}`, () => {
      const t = translateTarget(`-t mangle -A FORWARD -j HL ${option}`, "ipv6");
      const stmt = t.result?.nft.tables[0]?.chains.find((c) => c.name === "FORWARD")?.rules[0]?.exprs[0];
      if (stmt?.kind !== "mangle" || stmt.value.kind !== "map" || stmt.value.data.kind !== "set") throw new Error(`not a map: ${t.text ?? ""}`);
      const elements = stmt.value.data.elements;
      const [op = "", amount = ""] = option.split(" ");
      const delta = op === "--hl-inc" ? Number(amount) : -Number(amount);
      const wrong: string[] = [];
      for (let hl = 0; hl < 256; hl++) {
        const hits = elements.filter((e) => e.kind === "mapping" && (e.key.kind === "range" ? numberOf(e.key.low) <= hl && hl <= numberOf(e.key.high) : numberOf(e.key) === hl));
        const got = hits.length === 1 && hits[0]?.kind === "mapping" ? numberOf(hits[0].value) : NaN;
        const want = Math.min(255, Math.max(0, hl + delta));
        if (got !== want) wrong.push(`${hl} → ${got} (${hits.length} entries), want ${want}`);
      }
      expect(wrong).toEqual([]);
    });
  }
});

describe("netfilter's txlate cases for packet-rewriting targets", () => {
  itMatchesTxlate(packetTargets, 16, txlateDifferences);
});

describe.skipIf(kernelSkipReason !== undefined)(`kernel${kernelSkipReason === undefined ? "" : ` (skipped: ${kernelSkipReason})`}`, () => {
  it("loads every translation of this file and of the TOS and HL checks, text and JSON, in one nft -c run each", () => {
    const commands: (readonly [string, Family])[] = [
      ...translations.map(([c, f]) => [c, f] as const),
      ...tosForms.flatMap(([o]) => [[`-t mangle -A PREROUTING -j TOS ${o}`, "ipv4"] as const, [`-t mangle -A PREROUTING -j TOS ${o}`, "ipv6"] as const]),
      ["-t mangle -A FORWARD -j HL --hl-dec 1", "ipv6"],
      ["-t mangle -A FORWARD -j HL --hl-inc 1", "ipv6"],
    ];
    const results: TranslatedRuleset[] = commands.flatMap(([c, f]) => {
      const r = translateTarget(c, f).result;
      return r === undefined ? [] : [r];
    });
    expect(results.length).toBe(commands.length);
    expect(loadTogether([...results, ...txlateTranslations(packetTargets)])).toMatchObject({ text: "", json: "" });
  });
});
