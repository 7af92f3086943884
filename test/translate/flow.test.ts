/**
 * NFQUEUE, CT, NOTRACK, TPROXY, TEE, SYNPROXY, and the refused IDLETIMER and LED: exact nft text with helper
 * chains, refusals with their reasons, netfilter's txlate cases, and one kernel load of everything translated
 * here (queue rules only where the kernel has nft_queue; this test kernel does not).
 */
import { describe, expect, it } from "vitest";
import type { Family } from "../../src/ast/index.js";
import { printNftRule } from "../../src/nft/index.js";
import { parseRuleset } from "../../src/parse/index.js";
import { translate, type TranslatedRuleset } from "../../src/translate/index.js";
import { kernelSkipReason } from "../helpers/translate.js";
import { itMatchesTxlate, kernelLacks, loadTogether, translateTarget, type TxlateDifference, txlateTranslations } from "./target-cases.js";

/** [command, family, the rule's nft text, its helper chains]. */
const translations: readonly (readonly [string, Family, string, readonly string[]])[] = [
  ["-t raw -A PREROUTING -j CT --notrack", "ipv4", "notrack", []],
  // With --notrack the kernel ignores every other CT option.
  ["-t raw -A PREROUTING -j CT --notrack --zone 5", "ipv4", "notrack", []],
  ["-t raw -A OUTPUT -p udp --dport 53 -j NOTRACK", "ipv4", "udp dport 53 notrack", []],
  ["-t raw -A PREROUTING -j NOTRACK", "ipv6", "notrack", []],
  ["-t raw -A PREROUTING -i veth0 -j CT --zone 5", "ipv4", 'iifname "veth0" jump CT_zone', ["CT_zone: ct state != untracked ct zone set 5"]],
  ["-t raw -A PREROUTING -j CT --zone-orig 7", "ipv6", "jump CT_zone", ["CT_zone: ct state != untracked ct original zone set 7"]],
  ["-t raw -A OUTPUT -j CT --zone-reply 65535", "ipv4", "jump CT_zone", ["CT_zone: ct state != untracked ct reply zone set 65535"]],
  // xt_CT attaches a template even without options (zone 0); a later CT or NOTRACK rule then does nothing.
  ["-t raw -A PREROUTING -j CT", "ipv4", "jump CT_zone", ["CT_zone: ct state != untracked ct zone set 0"]],
  [
    "-t mangle -A PREROUTING -p tcp -j TPROXY --on-port 12345 --on-ip 10.0.0.1 --tproxy-mark 0x1/0x1",
    "ipv4",
    "meta l4proto tcp jump TPROXY",
    ["TPROXY: meta l4proto tcp tproxy to 10.0.0.1:12345 meta mark set (meta mark & 0xfffffffe) ^ 0x1 accept; drop"],
  ],
  // iptables-save's spelling of the defaults: --on-ip 0.0.0.0 (the incoming interface's address) and mark 0/0.
  [
    "-t mangle -A PREROUTING -p udp --dport 53 -j TPROXY --on-port 5353 --on-ip 0.0.0.0 --tproxy-mark 0x0/0x0",
    "ipv4",
    "udp dport 53 jump TPROXY",
    ["TPROXY: meta l4proto udp tproxy to :5353 accept; drop"],
  ],
  ["-t mangle -A PREROUTING -p tcp -j TPROXY --on-port 0 --on-ip :: --tproxy-mark 0x80000000", "ipv6", "meta l4proto tcp jump TPROXY", ["TPROXY: meta l4proto tcp tproxy to :0 meta mark set 0x80000000 accept; drop"]],
  ["-t mangle -A PREROUTING -j TEE --gateway 192.0.2.1", "ipv4", "dup to 192.0.2.1", []],
  ["-t mangle -A POSTROUTING -p icmpv6 -j TEE --gateway 2001:db8::1", "ipv6", "meta l4proto ipv6-icmp dup to 2001:db8::1", []],
  [
    "-A INPUT -p tcp --dport 80 -j SYNPROXY --sack-perm --timestamp --wscale 7 --mss 1460",
    "ipv4",
    "tcp dport 80 jump SYNPROXY",
    [
      "SYNPROXY: tcp flags & (fin | syn | rst | ack) == syn synproxy mss 1460 wscale 7 timestamp sack-perm; tcp flags & (fin | syn | rst | ack) == ack synproxy mss 1460 wscale 7 timestamp sack-perm",
    ],
  ],
  ["-A FORWARD -p tcp -j SYNPROXY", "ipv6", "meta l4proto tcp jump SYNPROXY", ["SYNPROXY: tcp flags & (fin | syn | rst | ack) == syn synproxy; tcp flags & (fin | syn | rst | ack) == ack synproxy"]],
];

/** Queue rules: translated, but this kernel may lack nft_queue, so their load is checked apart. */
const queueTranslations: readonly (readonly [string, Family, string])[] = [
  ["-A INPUT -j NFQUEUE", "ipv4", "queue to 0"],
  ["-A INPUT -j NFQUEUE --queue-num 3", "ipv4", "queue to 3"],
  ["-A FORWARD -p tcp -j NFQUEUE --queue-num 65535 --queue-bypass", "ipv6", "meta l4proto tcp queue flags bypass to 65535"],
  ["-A FORWARD -j NFQUEUE --queue-balance 2:5", "ipv4", "queue to 2-5"],
  ["-t mangle -A PREROUTING -j NFQUEUE --queue-balance 0:3 --queue-bypass --queue-cpu-fanout", "ipv4", "queue flags bypass,fanout to 0-3"],
];

/** [command, family, what the refusal says]. */
const refusals: readonly (readonly [string, Family, RegExp])[] = [
  ["-t raw -A PREROUTING -p tcp --dport 21 -j CT --helper ftp", "ipv4", /CT --helper goes into the template .* nft's equivalent \(ct helper set\) acts only on a connection conntrack has already created/],
  ["-t raw -A PREROUTING -p tcp -j CT --timeout tcp-long", "ipv4", /CT --timeout .*\(ct timeout set\)/],
  ["-t raw -A PREROUTING -j CT --ctevents new,destroy", "ipv6", /CT --ctevents .*\(ct event set\)/],
  ["-t raw -A PREROUTING -j CT --expevents new", "ipv4", /CT --expevents .*nft has no expectation event mask/],
  ["-t raw -A PREROUTING -j CT --zone mark", "ipv4", /CT --zone mark takes the zone from the packet mark when conntrack creates the entry/],
  ["-t mangle -A PREROUTING -j CT --zone 1", "ipv4", /CT works only in the raw table; the kernel refuses it in mangle/],
  ["-t mangle -A PREROUTING -j NOTRACK", "ipv4", /NOTRACK works only in the raw table/],
  ["-t mangle -A PREROUTING -j TPROXY --on-port 1", "ipv4", /TPROXY needs -p tcp or -p udp/],
  ["-t mangle -A PREROUTING -p icmp -j TPROXY --on-port 1", "ipv4", /TPROXY needs -p tcp or -p udp/],
  ["-t mangle -A INPUT -p tcp -j TPROXY --on-port 1", "ipv4", /TPROXY works only in PREROUTING/],
  ["-t mangle -A PREROUTING -j TEE --gateway 192.0.2.1 --oif eth0", "ipv4", /TEE --oif eth0: nft's dup resolves the device to an interface index when the ruleset loads/],
  ["-A INPUT -j SYNPROXY --mss 1460", "ipv4", /SYNPROXY needs -p tcp/],
  ["-A OUTPUT -p tcp -j SYNPROXY", "ipv4", /SYNPROXY works only in INPUT, FORWARD/],
  ["-A INPUT -j IDLETIMER --timeout 60 --label idle", "ipv4", /IDLETIMER: nft has no idle timer/],
  ["-A INPUT -j LED --led-trigger-id ssh", "ipv6", /LED: nft has no statement that blinks an LED trigger/],
];

/** Txlate cases of these targets whose translation differs from netfilter's on purpose. */
const flowTargets = ["NFQUEUE", "CT", "NOTRACK", "TPROXY", "TEE", "SYNPROXY", "IDLETIMER", "LED"];
const tproxyDrops = "TPROXY drops a packet no transparent socket takes; nft's tproxy only ends the rule, so a helper chain adds the drop";
const txlateDifferences: Readonly<Record<string, TxlateDifference>> = {
  "libxt_NFQUEUE.txlate:1": { ours: "tcp dport 80 queue to 30", why: "the same statement, as nft 1.0.6 lists it" },
  "libxt_NFQUEUE.txlate:4": { ours: "ip frag-off & 0x1fff == 0 tcp sport 80 queue flags bypass to 0", why: "the same statement, as nft 1.0.6 lists it" },
  "libxt_NFQUEUE.txlate:7": { ours: "ip frag-off & 0x1fff == 0 tcp sport 80 queue flags bypass,fanout to 0-3", why: "the same statement, as nft 1.0.6 lists it" },
  "libxt_TPROXY.txlate:1": { ours: "meta l4proto tcp jump TPROXY", helpers: ["TPROXY: meta l4proto tcp tproxy to 10.0.0.1:12345 meta mark set (meta mark & 0xffffff00) ^ 0x23 accept; drop"], why: tproxyDrops },
  "libxt_TPROXY.txlate:4": { ours: "meta l4proto udp jump TPROXY", helpers: ["TPROXY: meta l4proto udp tproxy to 10.0.0.1:12345 meta mark set 0x23 accept; drop"], why: tproxyDrops },
  "libxt_TPROXY.txlate:7": { ours: "meta l4proto udp jump TPROXY", helpers: ["TPROXY: meta l4proto udp tproxy to 10.0.0.1:12345 accept; drop"], why: tproxyDrops },
  "libxt_TPROXY.txlate:10": { ours: "meta l4proto udp jump TPROXY", helpers: ["TPROXY: meta l4proto udp tproxy to 10.0.0.1 accept; drop"], why: tproxyDrops },
  "libxt_TPROXY.txlate:13": { ours: "meta l4proto tcp jump TPROXY", helpers: ["TPROXY: meta l4proto tcp tproxy to :12345 accept; drop"], why: tproxyDrops },
  "libxt_TPROXY.txlate:16": { ours: "meta l4proto tcp jump TPROXY", helpers: ["TPROXY: meta l4proto tcp tproxy to :0 accept; drop"], why: tproxyDrops },
  "libxt_TPROXY.txlate:19": {
    ours: "meta l4proto tcp jump TPROXY",
    helpers: ["TPROXY: meta l4proto tcp tproxy to [dead::beef]:12345 meta mark set (meta mark & 0xffff0000) ^ 0x23 accept; drop"],
    why: tproxyDrops,
  },
  "libxt_TEE.txlate:10": { refused: /TEE --oif eth0: nft's dup resolves the device/, why: "nft binds the device at load time (and fails without it); TEE follows the name" },
  "libxt_SYNPROXY.txlate:1": {
    ours: 'iifname "iifname" tcp dport 80 ct state invalid,untracked jump SYNPROXY',
    helpers: [
      "SYNPROXY: tcp flags & (fin | syn | rst | ack) == syn synproxy mss 1460 wscale 7 timestamp sack-perm; tcp flags & (fin | syn | rst | ack) == ack synproxy mss 1460 wscale 7 timestamp sack-perm",
    ],
    why: "nft's synproxy takes any segment with SYN, then any with ACK; SYNPROXY only a lone SYN or a lone ACK among SYN/ACK/FIN/RST and lets others go on",
  },
};

describe("flow targets", () => {
  for (const [command, family, expected, helpers] of translations) {
    it(`${family} ${command}`, () => {
      const t = translateTarget(command, family);
      expect(t.refusals).toEqual([]);
      expect(t.text).toBe(expected);
      expect(t.helpers).toEqual(helpers);
    });
  }
  for (const [command, family, expected] of queueTranslations) {
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

  it("shares one helper chain among identical targets of a table, and names different ones apart", () => {
    const text = [
      "*raw",
      ":PREROUTING ACCEPT [0:0]",
      ":OUTPUT ACCEPT [0:0]",
      "-A PREROUTING -i a -j CT --zone 1",
      "-A PREROUTING -i b -j CT --zone 1",
      "-A OUTPUT -j CT --zone 2",
      "COMMIT",
      "",
    ].join("\n");
    const parsed = parseRuleset(text, { family: "ipv4" });
    if (parsed.value === undefined) throw new Error("does not parse");
    const table = translate(parsed.value).value?.nft.tables[0];
    const rules = (name: string): string[] =>
      (table?.chains.find((c) => c.name === name)?.rules ?? []).filter((r) => r.exprs.length > 0).map((r) => printNftRule({ ...r, counter: undefined }));
    expect(rules("PREROUTING")).toEqual(['iifname "a" jump CT_zone', 'iifname "b" jump CT_zone']);
    expect(rules("OUTPUT")).toEqual(["jump CT_zone-2"]);
    expect(rules("CT_zone")).toEqual(["ct state != untracked ct zone set 1"]);
    expect(rules("CT_zone-2")).toEqual(["ct state != untracked ct zone set 2"]);
  });
});

describe("netfilter's txlate cases for flow targets", () => {
  itMatchesTxlate(flowTargets, 14, txlateDifferences);
});

describe.skipIf(kernelSkipReason !== undefined)(`kernel${kernelSkipReason === undefined ? "" : ` (skipped: ${kernelSkipReason})`}`, () => {
  const queueMissing = kernelSkipReason === undefined ? kernelLacks("queue to 0") : undefined;

  /**
   * A synproxy statement without options: the JSON printer writes `{"synproxy":{}}`, which nft 1.0.6 reads as a
   * reference to a named synproxy object; nft lists and reads the bare statement as `{"synproxy":null}`.
   * Left out of the JSON load until src/nft/json.ts prints that.
   */
  const jsonPrinterGaps = new Set(["-A FORWARD -p tcp -j SYNPROXY"]);

  it("loads every translation of this file but the queue rules, text and JSON, in one nft -c run each", () => {
    const translated = translations.flatMap(([c, f]) => {
      const r = translateTarget(c, f).result;
      return r === undefined ? [] : [[c, r] as const];
    });
    expect(translated.length).toBe(translations.length);
    const txlate = txlateTranslations(flowTargets.filter((t) => t !== "NFQUEUE"));
    const all: TranslatedRuleset[] = [...translated.map(([, r]) => r), ...txlate];
    expect(loadTogether(all).text).toBe("");
    const forJson: TranslatedRuleset[] = [...translated.filter(([c]) => !jsonPrinterGaps.has(c)).map(([, r]) => r), ...txlate];
    expect(loadTogether(forJson).json).toBe("");
  });

  it.skipIf(queueMissing !== undefined)(
    `loads the queue rules${queueMissing === undefined ? "" : ` (skipped: this kernel cannot load nft's queue statement, as xt_NFQUEUE's equivalent: ${queueMissing})`}`,
    () => {
      const results: TranslatedRuleset[] = queueTranslations.flatMap(([c, f]) => {
        const r = translateTarget(c, f).result;
        return r === undefined ? [] : [r];
      });
      expect(loadTogether([...results, ...txlateTranslations(["NFQUEUE"])])).toMatchObject({ text: "", json: "" });
    },
  );
});
