/**
 * Mark matches and targets: mark, connmark, MARK, CONNMARK. Exact nft text per form (typical, negated, edge
 * masks; CONNMARK copies with their helper chains), refusals with their reasons, netfilter's txlate cases,
 * one real kernel load of everything translated here (as text and as JSON), and CONNMARK copies on real
 * packets, iptables-legacy and the translation side by side.
 */
import { describe, expect, it } from "vitest";
import type { Family } from "../../src/ast/index.js";
import { printNftRule } from "../../src/nft/index.js";
import { parseRuleset } from "../../src/parse/index.js";
import { translate } from "../../src/translate/index.js";
import { kernelSkipReason } from "../helpers/translate.js";
import { anchorRule, describeTxlateMatches, loadForReal, translateMatch, txlateCasesIn, type MatchTranslation } from "./match-cases.js";
import { sideBySide, sideBySideSkipReason } from "./side-by-side.js";

/** [command, family, the rule's nft text]. */
const translations: readonly (readonly [string, Family, string])[] = [
  ["-A INPUT -m mark --mark 0x1", "ipv4", "meta mark 0x1"],
  ["-A INPUT -m mark ! --mark 0x1", "ipv4", "meta mark != 0x1"],
  ["-A INPUT -m mark --mark 0xa/0xa", "ipv4", "meta mark & 0xa == 0xa"],
  ["-A INPUT -m mark ! --mark 0xa/0xa", "ipv6", "meta mark & 0xa != 0xa"],
  // A value with bits outside the mask never matches in xt_mark: the masked mark cannot have them.
  ["-A INPUT -m mark --mark 0x3/0x1", "ipv4", "meta mark & 0x1 == 0x3"],
  // Mask 0: every mark matches value 0, none with !.
  ["-A INPUT -m mark --mark 0x0/0x0", "ipv4", "meta mark & 0x0 == 0x0"],
  ["-A INPUT -m mark ! --mark 0x0/0x0", "ipv4", "meta mark & 0x0 != 0x0"],
  ["-A INPUT -m mark --mark 0xffffffff/0xffffffff", "ipv4", "meta mark 0xffffffff"],
  ["-A INPUT -m connmark --mark 0x2 -j ACCEPT", "ipv4", "ct mark 0x2 accept"],
  ["-A INPUT -m connmark ! --mark 0x10/0xf0", "ipv4", "ct mark & 0xf0 != 0x10"],
  ["-A INPUT -m connmark --mark 0x0/0x0", "ipv6", "ct mark & 0x0 == 0x0"],
  // MARK: (mark & ~mask) ^ value, in the plainest nft form.
  ["-t mangle -A OUTPUT -j MARK --set-xmark 0x40/0xffffffff", "ipv4", "meta mark set 0x40"],
  ["-t mangle -A OUTPUT -j MARK --set-xmark 0x40/0x32", "ipv4", "meta mark set (meta mark & 0xffffffcd) ^ 0x40"],
  ["-t mangle -A OUTPUT -j MARK --set-xmark 0x2/0x3", "ipv4", "meta mark set (meta mark & 0xfffffffc) | 0x2"],
  ["-t mangle -A OUTPUT -j MARK --set-xmark 0x0/0xff", "ipv4", "meta mark set meta mark & 0xffffff00"],
  ["-t mangle -A OUTPUT -j MARK --set-xmark 0x5/0x0", "ipv4", "meta mark set meta mark ^ 0x5"],
  ["-t mangle -A OUTPUT -j MARK --set-mark 0", "ipv4", "meta mark set 0x0"],
  ["-t mangle -A OUTPUT -j MARK --set-mark 0x1/0xff", "ipv6", "meta mark set (meta mark & 0xffffff00) | 0x1"],
  // --set-mark V/M clears M and V: 0x100/0xff sets bit 8 too, without clearing anything else.
  ["-t mangle -A OUTPUT -j MARK --set-mark 0x100/0xff", "ipv4", "meta mark set (meta mark & 0xfffffe00) | 0x100"],
  ["-t mangle -A OUTPUT -j MARK --and-mark 0x40", "ipv4", "meta mark set meta mark & 0x40"],
  ["-t mangle -A OUTPUT -j MARK --and-mark 0", "ipv4", "meta mark set 0x0"],
  ["-t mangle -A OUTPUT -j MARK --and-mark 0xffffffff", "ipv4", "meta mark set meta mark"],
  ["-t mangle -A OUTPUT -j MARK --or-mark 0x40", "ipv4", "meta mark set meta mark | 0x40"],
  ["-t mangle -A OUTPUT -j MARK --or-mark 0xffffffff", "ipv4", "meta mark set 0xffffffff"],
  ["-t mangle -A OUTPUT -j MARK --xor-mark 0x40", "ipv4", "meta mark set meta mark ^ 0x40"],
  ["-A FORWARD -j MARK --set-mark 0x7", "ipv4", "meta mark set 0x7"],
  // CONNMARK set operations, and the whole new mark shifted (connmark_tg_shift).
  ["-t mangle -A PREROUTING -j CONNMARK --set-mark 0x16", "ipv4", "ct mark set 0x16"],
  ["-t mangle -A PREROUTING -j CONNMARK --set-xmark 0x16/0x12", "ipv4", "ct mark set (ct mark & 0xffffffed) ^ 0x16"],
  ["-t mangle -A PREROUTING -j CONNMARK --and-mark 0x16", "ipv4", "ct mark set ct mark & 0x16"],
  ["-t mangle -A PREROUTING -j CONNMARK --or-mark 0x16", "ipv4", "ct mark set ct mark | 0x16"],
  ["-t mangle -A PREROUTING -j CONNMARK --xor-mark 0x16", "ipv6", "ct mark set ct mark ^ 0x16"],
  ["-t mangle -A PREROUTING -j CONNMARK --set-mark 0x23/0x42 --right-shift-mark 5", "ipv4", "ct mark set ((ct mark & 0xffffff9c) | 0x23) >> 5"],
  ["-t mangle -A PREROUTING -j CONNMARK --set-mark 0x1 --left-shift-mark 4", "ipv4", "ct mark set 0x10"],
  ["-t mangle -A PREROUTING -j CONNMARK --set-mark 0x1 --left-shift-mark 0", "ipv4", "ct mark set 0x1"],
  // Copies: with a full ctmask (save) or nfmask (restore) the old value does not matter.
  ["-t mangle -A PREROUTING -j CONNMARK --save-mark", "ipv4", "ct mark set meta mark"],
  ["-t mangle -A PREROUTING -j CONNMARK --save-mark --nfmask 0xff --ctmask 0xffffffff", "ipv4", "ct mark set meta mark & 0xff"],
  ["-t mangle -A PREROUTING -j CONNMARK --save-mark --nfmask 0xff --ctmask 0xffffffff --left-shift-mark 8", "ipv4", "ct mark set (meta mark & 0xff) << 8"],
  ["-t mangle -A PREROUTING -j CONNMARK --save-mark --nfmask 0x0 --ctmask 0xf", "ipv4", "ct mark set ct mark & 0xfffffff0"],
  ["-t mangle -A PREROUTING -j CONNMARK --restore-mark", "ipv4", "meta mark set ct mark"],
  ["-t mangle -A PREROUTING -j CONNMARK --restore-mark --nfmask 0xffffffff --ctmask 0xff00 --right-shift-mark 8", "ipv6", "meta mark set (ct mark & 0xff00) >> 8"],
];

/**
 * [command, family, the rule's nft text, its helper chains as `NAME: rule; rule`]: CONNMARK copies that keep
 * part of the old mark, which nft 1.0.6 cannot write as one value (two non-constant operands).
 * `--restore-mark` copies bit by bit in a helper chain that first returns for packets without a connection;
 * `--save-mark` picks one helper chain per value of the copied bits, each writing the connection mark once.
 */
const helperChains: readonly (readonly [string, Family, string, readonly string[]])[] = [
  // Tailscale: mark = (mark & ~0xff0000) ^ (ctmark & 0xff0000), for packets with a connection.
  [
    "-t mangle -A PREROUTING -m conntrack --ctstate RELATED,ESTABLISHED -j CONNMARK --restore-mark --nfmask 0xff0000 --ctmask 0xff0000",
    "ipv4",
    "ct state related,established jump CONNMARK_restore_ff0000_ff0000",
    [
      "CONNMARK_restore_ff0000_ff0000: ct state invalid,untracked return; meta mark set meta mark & 0xff00ffff; " +
        [0x10000, 0x20000, 0x40000, 0x80000, 0x100000, 0x200000, 0x400000, 0x800000].map((b) => `ct mark & 0x${b.toString(16)} == 0x${b.toString(16)} meta mark set meta mark | 0x${b.toString(16)}`).join("; "),
    ],
  ],
  ["-t mangle -A PREROUTING -j CONNMARK --restore-mark --mask 0x3", "ipv6", "jump CONNMARK_restore_3_3", [
    "CONNMARK_restore_3_3: ct state invalid,untracked return; meta mark set meta mark & 0xfffffffc; ct mark & 0x1 == 0x1 meta mark set meta mark | 0x1; ct mark & 0x2 == 0x2 meta mark set meta mark | 0x2",
  ]],
  // Copied bits outside nfmask flip the kept bit (xor), as xt_connmark's ^ does.
  ["-t mangle -A PREROUTING -j CONNMARK --restore-mark --nfmask 0x1 --ctmask 0x3", "ipv4", "jump CONNMARK_restore_1_3", [
    "CONNMARK_restore_1_3: ct state invalid,untracked return; meta mark set meta mark & 0xfffffffe; ct mark & 0x1 == 0x1 meta mark set meta mark | 0x1; ct mark & 0x2 == 0x2 meta mark set meta mark ^ 0x2",
  ]],
  // Shifted copies; bits shifted out copy nothing.
  ["-t mangle -A PREROUTING -j CONNMARK --restore-mark --nfmask 0xf0 --ctmask 0xf00 --right-shift-mark 4", "ipv4", "jump CONNMARK_restore_f0_f00", [
    "CONNMARK_restore_f0_f00: ct state invalid,untracked return; meta mark set meta mark & 0xffffff0f; ct mark & 0x100 == 0x100 meta mark set meta mark | 0x10; ct mark & 0x200 == 0x200 meta mark set meta mark | 0x20; ct mark & 0x400 == 0x400 meta mark set meta mark | 0x40; ct mark & 0x800 == 0x800 meta mark set meta mark | 0x80",
  ]],
  ["-t mangle -A PREROUTING -j CONNMARK --restore-mark --nfmask 0x0 --ctmask 0x80000001 --left-shift-mark 1", "ipv4", "jump CONNMARK_restore_0_80000001", [
    "CONNMARK_restore_0_80000001: ct mark & 0x1 == 0x1 meta mark set meta mark ^ 0x2",
  ]],
  // Nothing copied: only the nfmask bits are cleared, and only for packets with a connection.
  ["-t mangle -A PREROUTING -j CONNMARK --restore-mark --ctmask 0", "ipv4", "jump CONNMARK_restore_ffffffff_0", ["CONNMARK_restore_ffffffff_0: ct state invalid,untracked return; meta mark set 0x0"]],
  ["-t mangle -A PREROUTING -j CONNMARK --restore-mark --nfmask 0xff --ctmask 0x1 --right-shift-mark 1", "ipv4", "jump CONNMARK_restore_ff_1", [
    "CONNMARK_restore_ff_1: ct state invalid,untracked return; meta mark set meta mark & 0xffffff00",
  ]],
  // (mark & ~0) ^ 0: nothing changes; the rule only counts.
  ["-t mangle -A PREROUTING -j CONNMARK --restore-mark --nfmask 0x0 --ctmask 0x0", "ipv4", "", []],
  // istio's ztunnel: save two bits of the packet mark into the connection mark.
  ["-t mangle -A FORWARD -m mark --mark 0x220/0x220 -j CONNMARK --save-mark --nfmask 0x220 --ctmask 0x220", "ipv4", "meta mark & 0x220 == 0x220 meta mark & 0x220 vmap { 0x0 : jump CONNMARK_save_220_0, 0x20 : jump CONNMARK_save_220_20, 0x200 : jump CONNMARK_save_220_200, 0x220 : jump CONNMARK_save_220_220 }", [
    "CONNMARK_save_220_0: ct mark set ct mark & 0xfffffddf",
    "CONNMARK_save_220_20: ct mark set (ct mark & 0xfffffddf) | 0x20",
    "CONNMARK_save_220_200: ct mark set (ct mark & 0xfffffddf) | 0x200",
    "CONNMARK_save_220_220: ct mark set ct mark | 0x220",
  ]],
  // Shifted: only the bits the shift keeps are looked up; the new bits land where the shift puts them.
  ["-t mangle -A PREROUTING -j CONNMARK --save-mark --nfmask 0x3 --ctmask 0xf0 --right-shift-mark 1", "ipv4", "meta mark & 0x2 vmap { 0x0 : jump CONNMARK_save_f0_0, 0x2 : jump CONNMARK_save_f0_1 }", [
    "CONNMARK_save_f0_0: ct mark set ct mark & 0xffffff0f",
    "CONNMARK_save_f0_1: ct mark set (ct mark & 0xffffff0f) ^ 0x1",
  ]],
  ["-t mangle -A PREROUTING -j CONNMARK --save-mark --nfmask 0x1 --ctmask 0x0 --left-shift-mark 31", "ipv4", "meta mark & 0x1 vmap { 0x0 : jump CONNMARK_save_0_0, 0x1 : jump CONNMARK_save_0_80000000 }", [
    "CONNMARK_save_0_0: ct mark set ct mark",
    "CONNMARK_save_0_80000000: ct mark set ct mark ^ 0x80000000",
  ]],
];

/** [command, family, what the refusal says]. */
const refusals: readonly (readonly [string, Family, RegExp])[] = [
  [
    "-t mangle -A PREROUTING -j CONNMARK --save-mark --ctmask 0xff",
    "ipv4",
    /--save-mark with --nfmask 0xffffffff --ctmask 0xff keeps part of the connection mark and copies 32 bits of the packet mark.*right side of & \| \^ must be a constant.*4294967296 chains \(ipt2nft stops at 4096\)/,
  ],
  ["-t mangle -A PREROUTING -j CONNMARK --save-mark --mask 0x1fff", "ipv4", /copies 13 bits of the packet mark.*8192 chains/],
  ["-t mangle -A PREROUTING -j CONNMARK --set-mark 0x1 --left-shift-mark 32", "ipv4", /shifted by 32 has no defined value.*nft refuses shifts of 32 bits/],
];

/** Where our translation of a netfilter case differs from netfilter's text, and why. */
const txlateDifferences: Readonly<Record<string, { readonly ours: string; readonly why: string }>> = {
  "libxt_mark.txlate:1": { ours: "meta l4proto tcp meta mark & 0xa != 0xa", why: "same test; nft's current spelling (meta mark, &)" },
  "libxt_mark.txlate:4": { ours: "meta l4proto tcp meta mark != 0x1", why: "same test; nft's current spelling (meta mark)" },
  "libxt_connmark.txlate:7": { ours: "ct mark & 0xa == 0xa accept", why: "same test; & for and" },
  "libxt_connmark.txlate:10": { ours: "ct mark & 0xa != 0xa accept", why: "same test; & for and" },
  "libxt_MARK.txlate:7": { ours: "meta mark set (meta mark & 0xffffffcd) ^ 0x40", why: "same value; parentheses make the order explicit" },
  "libxt_MARK.txlate:10": { ours: "meta mark set meta mark | 0x40", why: "same value; nft's current spelling" },
  "libxt_MARK.txlate:13": { ours: "meta mark set meta mark & 0x40", why: "same value; nft's current spelling" },
  "libxt_MARK.txlate:16": { ours: "meta mark set meta mark ^ 0x40", why: "same value; nft's current spelling" },
  "libxt_MARK.txlate:22": { ours: "meta mark set meta mark & 0x64", why: "same value; nft's current spelling" },
  "libxt_MARK.txlate:25": { ours: "meta mark set meta mark | 0x64", why: "same value; nft's current spelling" },
  "libxt_CONNMARK.txlate:7": {
    ours: "ct mark set (ct mark & 0xffffffed) ^ 0x16",
    why: "netfilter's `ct mark xor 0x16 and 0xffffffed` parses as ct mark ^ (0x16 & 0xffffffed) = ct mark ^ 0x4; xt_connmark computes (ctmark & ~0x12) ^ 0x16",
  },
  "libxt_CONNMARK.txlate:10": { ours: "ct mark set ct mark & 0x16", why: "same value; & for and" },
  "libxt_CONNMARK.txlate:13": { ours: "ct mark set ct mark | 0x16", why: "same value; | for or" },
  "libxt_CONNMARK.txlate:16": { ours: "ct mark set meta mark", why: "same value; nft's current spelling (meta mark)" },
  "libxt_CONNMARK.txlate:22": {
    ours: "ct mark set ((ct mark & 0xffffff9c) | 0x23) >> 5",
    why: "netfilter's `( ct mark xor 0x23 and 0xffffff9c ) >> 5` parses as (ct mark ^ (0x23 & 0xffffff9c)) >> 5 = ct mark >> 5; xt_connmark computes ((ctmark & ~0x63) ^ 0x23) >> 5",
  },
};

/** The helper chains a translation added, as `NAME: rule; rule`. */
function helperChainTexts(t: MatchTranslation): readonly string[] {
  const chains = t.result?.nft.tables[0]?.chains ?? [];
  return chains.filter((c) => c.name.startsWith("CONNMARK_")).map((c) => `${c.name}: ${c.rules.map((r) => printNftRule(r)).join("; ")}`);
}

const markFiles = ["libxt_mark.txlate", "libxt_connmark.txlate", "libxt_MARK.txlate", "libxt_CONNMARK.txlate"];

describe("mark translators", () => {
  for (const [command, family, expected] of translations) {
    it(`${family} ${command}`, () => {
      const t = translateMatch(command, family);
      expect(t.refusals).toEqual([]);
      expect(t.text).toBe(expected);
    });
  }
  for (const [command, family, expected, chains] of helperChains) {
    it(`${family} ${command} (helper chains)`, () => {
      const t = translateMatch(command, family);
      expect(t.refusals).toEqual([]);
      expect(t.text).toBe(expected);
      expect(helperChainTexts(t)).toEqual(chains);
    });
  }
  it("shares helper chains between rules with the same masks", () => {
    const parsed = parseRuleset(
      [
        "*mangle",
        "-A PREROUTING -j CONNMARK --restore-mark --mask 0x3",
        "-A OUTPUT -j CONNMARK --restore-mark --mask 0x3",
        "-A OUTPUT -j CONNMARK --restore-mark --nfmask 0x3 --ctmask 0x1",
        "-A FORWARD -j CONNMARK --save-mark --mask 0x1",
        "-A INPUT -j CONNMARK --save-mark --nfmask 0x1 --ctmask 0x1",
        "COMMIT",
        "",
      ].join("\n"),
      { family: "ipv4" },
    );
    if (parsed.value === undefined) throw new Error("does not parse");
    const table = translate(parsed.value).value?.nft.tables[0];
    expect(table?.chains.filter((c) => c.base === undefined).map((c) => c.name)).toEqual(["CONNMARK_restore_3_3", "CONNMARK_save_1_0", "CONNMARK_save_1_1", "CONNMARK_restore_3_1"]);
  });
  for (const [command, family, reason] of refusals) {
    it(`refuses ${family} ${command}`, () => {
      const t = translateMatch(command, family);
      expect(t.text).toBeUndefined();
      expect(t.refusals).toHaveLength(1);
      expect(t.refusals[0]).toMatch(reason);
    });
  }
});

describeTxlateMatches("mark, connmark, MARK, CONNMARK", markFiles, 24, txlateDifferences);

describe("the differences table for mark, connmark, MARK, CONNMARK", () => {
  it("lists no difference for a case that has none", () => {
    const cases = txlateCasesIn(markFiles);
    for (const [key, d] of Object.entries(txlateDifferences)) {
      const c = cases.find((x) => x.key === key);
      if (c !== undefined) expect(d.ours, key).not.toBe(anchorRule(c.expected));
    }
  });
});

describe("kernel", () => {
  /**
   * CONNMARK copies with masks and shifts on real packets, iptables-legacy and the translation side by side:
   * after the copies, one rule per bit of the packet mark and one per bit of the connection mark count each
   * packet, so equal counts after every packet mean equal marks bit for bit. The connection marks start from
   * what the setup table sets (once per connection) and carry over to later packets of the connection; the
   * packet to 9995 has no connection (notrack) and must keep its mark.
   */
  it.skipIf(sideBySideSkipReason !== undefined)(`copies marks like xt: CONNMARK --save-mark/--restore-mark with masks${sideBySideSkipReason === undefined ? "" : ` (skipped: ${sideBySideSkipReason})`}`, () => {
    const bits = Array.from({ length: 32 }, (_, i) => `0x${((1 << i) >>> 0).toString(16)}`);
    const iptables = [
      "*mangle",
      ":OUTPUT ACCEPT [0:0]",
      "-A OUTPUT -p udp --dport 9991:9995 -j CONNMARK --restore-mark --nfmask 0xff0000 --ctmask 0xff0000",
      "-A OUTPUT -p udp --dport 9992 -j CONNMARK --restore-mark --nfmask 0xf0 --ctmask 0xf00 --right-shift-mark 4",
      "-A OUTPUT -p udp --dport 9993 -m mark ! --mark 0x0/0x220 -j CONNMARK --save-mark --nfmask 0x220 --ctmask 0x220",
      "-A OUTPUT -p udp --dport 9994 -j CONNMARK --save-mark --nfmask 0xff --ctmask 0xff000000 --left-shift-mark 24",
      "-A OUTPUT -p udp --dport 9994 -j CONNMARK --restore-mark --nfmask 0x0 --ctmask 0x3",
      "-A OUTPUT -p udp --dport 9995 -j CONNMARK --restore-mark --nfmask 0xff --ctmask 0xff",
      ...bits.map((b) => `-A OUTPUT -p udp -m mark --mark ${b}/${b}`),
      ...bits.map((b) => `-A OUTPUT -p udp -m connmark --mark ${b}/${b}`),
      "COMMIT",
      "",
    ].join("\n");
    const setup = [
      "table ip setup {",
      "\tchain raw { type filter hook output priority raw; udp dport 9995 notrack; }",
      // After conntrack (-200), before mangle (-150): a starting connection mark, once per connection.
      "\tchain start { type filter hook output priority -160; ct mark 0x0 udp dport 9991 ct mark set 0x00ab0000; ct mark 0x0 udp dport 9992 ct mark set 0x12345f78; ct mark 0x0 udp dport 9994 ct mark set 0x3; }",
      "}",
      "",
    ].join("\n");
    const sides = sideBySide(iptables, setup);
    try {
      const packets = [
        { sport: 41001, dport: 9991, mark: 0x00cd00ef },
        { sport: 41001, dport: 9991, mark: 0xffffffff },
        { sport: 41002, dport: 9992, mark: 0x12345678 },
        { sport: 41003, dport: 9993, mark: 0x220 },
        { sport: 41003, dport: 9993, mark: 0x20 },
        { sport: 41003, dport: 9993, mark: 0x0 },
        { sport: 41004, dport: 9994, mark: 0x5a },
        { sport: 41004, dport: 9994, mark: 0x1 },
        { sport: 41005, dport: 9995, mark: 0x1234 },
      ];
      let before = sides.counts("mangle", "OUTPUT");
      const marks: string[] = [];
      for (const [i, p] of packets.entries()) {
        sides.send(p);
        const after = sides.counts("mangle", "OUTPUT");
        expect(after.nft, `after packet ${i + 1}`).toEqual(after.xt);
        // The bits whose rule counted this packet: its mark and its connection's mark after the copies.
        const set = (from: number): number => bits.reduce((v, b, j) => ((after.xt[from + j] ?? 0) > (before.xt[from + j] ?? 0) ? (v | Number(b)) >>> 0 : v), 0);
        marks.push(`${p.dport} mark 0x${set(6).toString(16)} ct mark 0x${set(38).toString(16)}`);
        before = after;
      }
      // What xt_connmark computes (and the translation matched bit for bit above).
      expect(marks).toEqual([
        "9991 mark 0xab00ef ct mark 0xab0000",
        "9991 mark 0xffabffff ct mark 0xab0000",
        "9992 mark 0x123456f8 ct mark 0x12345f78",
        "9993 mark 0x220 ct mark 0x220",
        "9993 mark 0x20 ct mark 0x20",
        // Not saved (the rule wants a bit of 0x220 set); restored: ct mark & 0xff0000 is 0.
        "9993 mark 0x0 ct mark 0x20",
        "9994 mark 0x59 ct mark 0x5a000003",
        "9994 mark 0x2 ct mark 0x1000003",
        "9995 mark 0x1234 ct mark 0x0",
      ]);
    } finally {
      sides.destroy();
    }
  });

  it.skipIf(kernelSkipReason !== undefined)(`loads every translation here, as text and as JSON${kernelSkipReason === undefined ? "" : ` (skipped: ${kernelSkipReason})`}`, () => {
    const all: MatchTranslation[] = [
      ...translations.map(([c, f]) => translateMatch(c, f)),
      ...helperChains.map(([c, f]) => translateMatch(c, f)),
      ...txlateCasesIn(markFiles).map((c) => translateMatch(c.command, c.family)),
    ];
    const loaded = loadForReal(all.flatMap((t) => (t.result === undefined ? [] : [t.result])));
    expect(loaded).toEqual({ text: "", json: "", jsonDiffers: [] });
  });
});
