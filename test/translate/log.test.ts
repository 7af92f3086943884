/**
 * LOG, NFLOG, AUDIT, TRACE: exact nft text for every option, prefixes nft text cannot carry, netfilter's
 * txlate cases, and one kernel load of everything translated here.
 */
import { describe, expect, it } from "vitest";
import type { Family } from "../../src/ast/index.js";
import type { TranslatedRuleset } from "../../src/translate/index.js";
import { kernelSkipReason } from "../helpers/translate.js";
import { itMatchesTxlate, loadTogether, translateTarget, type TxlateDifference, txlateTranslations } from "./target-cases.js";

/** [command, family, the rule's nft text]. */
const translations: readonly (readonly [string, Family, string])[] = [
  ["-A INPUT -j LOG", "ipv4", "log"],
  // Level 4 (warning) is both defaults; nft lists it without a level.
  ["-A INPUT -j LOG --log-level 4", "ipv4", "log"],
  ["-A INPUT -j LOG --log-level 0", "ipv4", "log level emerg"],
  ["-A INPUT -j LOG --log-level alert", "ipv4", "log level alert"],
  ["-A INPUT -j LOG --log-level 2", "ipv4", "log level crit"],
  ["-A INPUT -j LOG --log-level error", "ipv4", "log level err"],
  ["-A INPUT -j LOG --log-level notice", "ipv4", "log level notice"],
  ["-A INPUT -j LOG --log-level 6", "ipv4", "log level info"],
  ["-A INPUT -j LOG --log-level debug", "ipv6", "log level debug"],
  ["-A INPUT -p tcp -j LOG --log-prefix \"IN: it's 100% {x}; \" --log-level 6", "ipv4", "meta l4proto tcp log prefix \"IN: it's 100% {x}; \" level info"],
  [
    "-A FORWARD -j LOG --log-tcp-sequence --log-tcp-options --log-ip-options --log-uid --log-macdecode",
    "ipv4",
    "log flags tcp sequence flags tcp options flags ip options flags skuid flags ether",
  ],
  ["-A FORWARD -j LOG --log-uid", "ipv6", "log flags skuid"],
  // NFLOG always names its group: without one nft's log goes to syslog.
  ["-A INPUT -j NFLOG", "ipv4", "log group 0"],
  ["-A INPUT -j NFLOG --nflog-group 5 --nflog-prefix \"drop 1.0\"", "ipv4", 'log prefix "drop 1.0" group 5'],
  ["-A INPUT -j NFLOG --nflog-size 0", "ipv4", "log group 0 snaplen 0"],
  ["-A INPUT -j NFLOG --nflog-size 128 --nflog-threshold 10 --nflog-group 65535", "ipv6", "log group 65535 snaplen 128 queue-threshold 10"],
  // --nflog-range never set the copy-length flag, so the kernel ignores it.
  ["-A INPUT -j NFLOG --nflog-range 128", "ipv4", "log group 0"],
  // Threshold 0 is NFLOG's default: the instance's threshold applies, as without queue-threshold.
  ["-A INPUT -j NFLOG --nflog-threshold 0", "ipv4", "log group 0"],
  ["-A INPUT -j AUDIT --type accept", "ipv4", "log level audit"],
  ["-A INPUT -j AUDIT --type drop", "ipv6", "log level audit"],
  ["-t raw -A PREROUTING -j TRACE", "ipv4", "meta nftrace set 1"],
  ["-t raw -A OUTPUT -p udp -j TRACE", "ipv6", "meta l4proto udp meta nftrace set 1"],
];

/** [command, family, what the refusal says]. */
const refusals: readonly (readonly [string, Family, RegExp])[] = [
  ['-A INPUT -j LOG --log-prefix "say \\"hi\\""', "ipv4", /contains a double quote, which nft strings cannot hold/],
  ['-A INPUT -j LOG --log-prefix "cost $5"', "ipv4", /contains "\$", which nft 1\.0\.6 reads as a variable reference/],
  ['-A INPUT -j NFLOG --nflog-prefix "x$y"', "ipv6", /NFLOG prefix "x\$y" contains "\$"/],
];

/** LOG, NFLOG, AUDIT and TRACE txlate cases whose translation differs from netfilter's text on purpose. */
const logTargets = ["LOG", "NFLOG", "AUDIT", "TRACE"];
const txlateDifferences: Readonly<Record<string, TxlateDifference>> = {
  "libxt_NFLOG.txlate:7": { ours: "log group 0 queue-threshold 2", why: "the same statement, with its words in the order nft lists them" },
  "libxt_NFLOG.txlate:10": { ours: "log group 0 snaplen 256", why: "the same statement, with its words in the order nft lists them" },
  "libxt_NFLOG.txlate:13": { ours: "log group 0 queue-threshold 25", why: "the same statement, with its words in the order nft lists them" },
  "libxt_TRACE.txlate:1": { ours: "meta nftrace set 1", why: "the same statement, as nft lists it (with meta)" },
};

describe("logging targets", () => {
  for (const [command, family, expected] of translations) {
    it(`${family} ${command}`, () => {
      const t = translateTarget(command, family);
      expect(t.refusals).toEqual([]);
      expect(t.text).toBe(expected);
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

describe("netfilter's txlate cases for LOG, NFLOG, AUDIT, TRACE", () => {
  itMatchesTxlate(logTargets, 14, txlateDifferences);
});

describe.skipIf(kernelSkipReason !== undefined)(`kernel${kernelSkipReason === undefined ? "" : ` (skipped: ${kernelSkipReason})`}`, () => {
  it("loads every logging translation of this file, text and JSON, in one nft -c run each", () => {
    const results: TranslatedRuleset[] = translations.flatMap(([c, f]) => {
      const r = translateTarget(c, f).result;
      return r === undefined ? [] : [r];
    });
    expect(results.length).toBe(translations.length);
    expect(loadTogether([...results, ...txlateTranslations(logTargets)])).toMatchObject({ text: "", json: "" });
  });
});
