/**
 * Mark matches and targets: mark, connmark, MARK, CONNMARK. Exact nft text per form (typical, negated, edge
 * masks), refusals with their reasons, netfilter's txlate cases, and one real kernel load of everything
 * translated here, as text and as JSON.
 */
import { describe, expect, it } from "vitest";
import type { Family } from "../../src/ast/index.js";
import { kernelSkipReason } from "../helpers/translate.js";
import { anchorRule, loadForReal, translateMatch, txlateCasesIn, type MatchTranslation } from "./match-cases.js";

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

/** [command, family, what the refusal says]. */
const refusals: readonly (readonly [string, Family, RegExp])[] = [
  ["-t mangle -A PREROUTING -j CONNMARK --restore-mark --mask 0xff", "ipv4", /--restore-mark with --nfmask 0xff --ctmask 0xff keeps part of the packet mark.*right side of & \| \^ must be a constant/],
  ["-t mangle -A PREROUTING -j CONNMARK --save-mark --mask 0xffff", "ipv4", /--save-mark with --nfmask 0xffff --ctmask 0xffff keeps part of the connection mark/],
  ["-t mangle -A PREROUTING -j CONNMARK --save-mark --ctmask 0xff", "ipv4", /--save-mark with --nfmask 0xffffffff --ctmask 0xff/],
  ["-t mangle -A PREROUTING -j CONNMARK --restore-mark --ctmask 0", "ipv4", /copies nothing from the connection mark.*stopping the rule for packets that have none/],
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

const markFiles = ["libxt_mark.txlate", "libxt_connmark.txlate", "libxt_MARK.txlate", "libxt_CONNMARK.txlate"];

describe("mark translators", () => {
  for (const [command, family, expected] of translations) {
    it(`${family} ${command}`, () => {
      const t = translateMatch(command, family);
      expect(t.refusals).toEqual([]);
      expect(t.text).toBe(expected);
    });
  }
  for (const [command, family, reason] of refusals) {
    it(`refuses ${family} ${command}`, () => {
      const t = translateMatch(command, family);
      expect(t.text).toBeUndefined();
      expect(t.refusals).toHaveLength(1);
      expect(t.refusals[0]).toMatch(reason);
    });
  }
});

describe("netfilter's txlate cases for mark, connmark, MARK, CONNMARK", () => {
  const cases = txlateCasesIn(markFiles);
  it.skipIf(cases.length === 0)("are all here (../shared/conformance/txlate)", () => {
    expect(cases.length).toBe(24);
  });
  for (const c of cases) {
    it(`${c.key} ${c.command}`, () => {
      const t = translateMatch(c.command, c.family);
      expect(t.refusals).toEqual([]);
      expect(t.text).toBe(txlateDifferences[c.key]?.ours ?? anchorRule(c.expected));
    });
  }
  it("lists no difference for a case that has none", () => {
    for (const [key, d] of Object.entries(txlateDifferences)) {
      const c = cases.find((x) => x.key === key);
      if (c !== undefined) expect(d.ours, key).not.toBe(anchorRule(c.expected));
    }
  });
});

describe("kernel", () => {
  it.skipIf(kernelSkipReason !== undefined)(`loads every translation here, as text and as JSON${kernelSkipReason === undefined ? "" : ` (skipped: ${kernelSkipReason})`}`, () => {
    const all: MatchTranslation[] = [...translations.map(([c, f]) => translateMatch(c, f)), ...txlateCasesIn(markFiles).map((c) => translateMatch(c.command, c.family))];
    const loaded = loadForReal(all.flatMap((t) => (t.result === undefined ? [] : [t.result])));
    expect(loaded).toEqual({ text: "", json: "", jsonDiffers: [] });
  });
});
