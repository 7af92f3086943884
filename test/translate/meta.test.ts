/**
 * Metadata and payload matches: comment, owner, socket, rpfilter, time, nfacct, physdev, u32, string, bpf.
 * Exact nft text per form (typical, negated, edge values), refusals with their reasons, netfilter's txlate
 * cases, and one real kernel load of everything translated here, as text and as JSON.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Family } from "../../src/ast/index.js";
import { printNftText } from "../../src/nft/index.js";
import { createNetns, hasCommand } from "../helpers/netns.js";
import { kernelSkipReason, translateCommand } from "../helpers/translate.js";
import { loadForReal, translateMatch, txlateCasesIn, type MatchTranslation, describeTxlateMatches, type TxlateMatchDifferences } from "./match-cases.js";

/** [command, family, the rule's nft text, the objects it declares]. */
const translations: readonly (readonly [string, Family, string, (readonly string[])?])[] = [
  ["-A INPUT -m comment --comment hello -j ACCEPT", "ipv4", 'accept comment "hello"'],
  // owner: at least one positive uid or gid, so socketless packets fail on both sides.
  ["-t nat -A OUTPUT -p tcp --dport 80 -m owner --uid-owner root -j ACCEPT", "ipv4", "tcp dport 80 meta skuid 0 accept"],
  ["-A OUTPUT -m owner --gid-owner 0-10", "ipv4", "meta skgid 0-10"],
  ["-A OUTPUT -m owner --uid-owner 1000 ! --gid-owner 100", "ipv6", "meta skuid 1000 meta skgid != 100"],
  ["-A OUTPUT -m owner ! --uid-owner 1000-2000 --gid-owner 5", "ipv4", "meta skuid != 1000-2000 meta skgid 5"],
  ["-A OUTPUT -m owner --socket-exists --uid-owner 4294967294", "ipv4", "meta skuid 4294967294"],
  // socket: only what nft reads for every kind of socket.
  ["-A INPUT -m socket --nowildcard", "ipv4", "socket transparent { 0, 1 }"],
  ["-t mangle -A PREROUTING -m socket --transparent --nowildcard -j ACCEPT", "ipv6", "socket transparent 1 accept"],
  // rpfilter → fib.
  ["-t mangle -A PREROUTING -m rpfilter", "ipv4", "fib saddr . iif oif exists"],
  ["-t mangle -A PREROUTING -m rpfilter --validmark --loose", "ipv4", "fib saddr . mark oif exists"],
  ["-t raw -A PREROUTING -m rpfilter --invert -j DROP", "ipv4", "fib saddr . iif oif missing drop"],
  // ip6t_rpfilter never matches `::` inverted (it passes without a lookup), so neither may the nft rule.
  ["-t mangle -A PREROUTING -m rpfilter --validmark --invert", "ipv6", "ip6 saddr != :: fib saddr . mark . iif oif missing"],
  ["-t raw -A PREROUTING -m rpfilter --invert -j DROP", "ipv6", "ip6 saddr != :: fib saddr . iif oif missing drop"],
  ["-t raw -A RPF -m rpfilter --loose", "ipv6", "fib saddr oif exists"],
  // time: numbers (UTC), the 2038 end always written.
  ["-A INPUT -m time --weekdays Sa,Su -j DROP", "ipv4", "meta time < 2147483648 meta day { 6, 0 } drop"],
  ["-A INPUT -m time ! --weekdays Sat,Sun", "ipv4", "meta time < 2147483648 meta day { 1, 2, 3, 4, 5 }"],
  ["-A INPUT -m time --weekdays 1,2,3,4,5,6,7", "ipv4", "meta time < 2147483648"],
  ["-A INPUT -m time --timestart 12:00", "ipv4", "meta time < 2147483648 meta hour 43200-86399"],
  ["-A INPUT -m time --timestop 12:00", "ipv4", "meta time < 2147483648 meta hour 0-43200"],
  ["-A INPUT -m time --timestart 00:00 --timestop 23:59:59", "ipv4", "meta time < 2147483648"],
  ["-A INPUT -m time --timestart 08:30:15 --timestop 08:30:15 --weekdays Mon", "ipv4", "meta time < 2147483648 meta day { 1 }"],
  // Start after stop: all but the times strictly between them.
  ["-A INPUT -m time --timestart 23:00 --timestop 01:00", "ipv4", "meta time < 2147483648 meta hour != 3601-82799"],
  ["-A INPUT -m time --timestart 12:00:02 --timestop 12:00", "ipv4", "meta time < 2147483648 meta hour != 43201"],
  ["-A INPUT -m time --timestart 12:00:01 --timestop 12:00", "ipv4", "meta time < 2147483648"],
  ["-A INPUT -m time --timestart 23:00 --timestop 01:00 --weekdays Fr --utc", "ipv6", "meta time < 2147483648 meta hour != 3601-82799 meta day { 5 }"],
  // --contiguous: after midnight, the day before counts.
  ["-A INPUT -m time --timestart 23:00 --timestop 01:00 --weekdays Mon --contiguous", "ipv4", "meta time < 2147483648 meta hour . meta day { 82800-86399 . 1, 0-3600 . 2 }"],
  ["-A INPUT -m time --timestart 22:00 --timestop 06:00 --weekdays Sat,Sun --contiguous", "ipv4", "meta time < 2147483648 meta hour . meta day { 79200-86399 . 6, 0-21600 . 0, 79200-86399 . 0, 0-21600 . 1 }"],
  ["-A INPUT -m time --timestart 00:00 --timestop 00:00 --weekdays Fri --contiguous", "ipv4", "meta time < 2147483648 meta hour . meta day { 1-86399 . 5, 0 . 6 }"],
  ["-A INPUT -m time --timestart 23:00 --timestop 01:00 --contiguous", "ipv4", "meta time < 2147483648 meta hour != 3601-82799"],
  // Dates: whole seconds, start <= now <= stop.
  ["-A INPUT -m time --datestart 2021", "ipv4", "meta time >= 1609459200 meta time < 2147483648"],
  ["-A INPUT -m time --datestop 2021-01-29T00:00:00", "ipv4", "meta time < 1611878401"],
  ["-A INPUT -m time --datestart 1970-01-01T00:00:00 --datestop 2038-12-31T23:59:59", "ipv4", "meta time < 2177452800"],
  ["-A INPUT -m time --monthdays 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31", "ipv4", "meta time < 2147483648"],
  // nfacct → a named counter of the table.
  ["-A INPUT -m nfacct --nfacct-name http", "ipv4", 'counter name "http"', ["counter http { packets 0 bytes 0 }"]],
  ["-A OUTPUT -p tcp -m nfacct --nfacct-name web.out-1 -j ACCEPT", "ipv6", 'meta l4proto tcp counter name "web.out-1" accept', ["counter web.out-1 { packets 0 bytes 0 }"]],
  // u32 at fixed offsets.
  ["-A INPUT -m u32 --u32 0x6&0xff=0x6:0x11", "ipv4", "@nh,48,32 & 0xff == 0x6-0x11"],
  ["-A INPUT -m u32 --u32 12=0x0a000001:0x0a0000ff,0x0b000000&&0&0xf000000=0x5000000", "ipv4", "@nh,96,32 { 0xa000001-0xa0000ff, 0xb000000 } @nh,0,32 & 0xf000000 == 0x5000000"],
  ["-A INPUT -m u32 --u32 0&0xff00ff&0xff=0x3", "ipv4", "@nh,0,32 & 0xff == 0x3"],
  ["-A INPUT -m u32 --u32 4=5:4,7", "ipv6", "@nh,32,32 0x7"],
];

/** [command, family, what the refusal says]. */
const refusals: readonly (readonly [string, Family, RegExp])[] = [
  ["-A OUTPUT -m owner ! --uid-owner 1000", "ipv4", /only negated owner options, xt_owner also matches packets without a socket/],
  ["-A OUTPUT -m owner --socket-exists", "ipv4", /nft has no expression that tells whether a packet has one/],
  ["-A OUTPUT -m owner ! --socket-exists", "ipv4", /nft has no expression that tells whether a packet has one/],
  ["-A OUTPUT -m owner ! --socket-exists --gid-owner 3", "ipv4", /matches no packet/],
  ["-A OUTPUT -m owner --uid-owner www-data", "ipv4", /user name "www-data" is looked up in the passwd database/],
  ["-A OUTPUT -m owner --gid-owner staff", "ipv4", /group name "staff" is looked up in the group database/],
  ["-A OUTPUT -m owner --gid-owner 10 --suppl-groups", "ipv4", /--suppl-groups also accepts the process's supplementary groups/],
  ["-A INPUT -m socket", "ipv4", /without --nowildcard, xt_socket .* TIME_WAIT and SYN_RECV/],
  ["-A INPUT -m socket --transparent", "ipv4", /without --nowildcard/],
  ["-A INPUT -m socket --nowildcard --restore-skmark", "ipv4", /--restore-skmark copies the mark of full sockets/],
  ["-t raw -A PREROUTING -m rpfilter --accept-local", "ipv4", /--accept-local .* nft's fib treats a local route as no route/],
  ["-A INPUT -m rpfilter", "ipv4", /rpfilter works only in the raw and mangle tables/],
  ["-t mangle -A FORWARD -m rpfilter", "ipv4", /rpfilter works only in PREROUTING/],
  ["-A INPUT -m time --kerneltz --timestart 10:00", "ipv4", /--kerneltz uses the kernel's time zone/],
  ["-A INPUT -m time --monthdays 1,15", "ipv4", /nft has no day-of-month key/],
  ["-A INPUT -m time ! --weekdays Mon,Tue,Wed,Thu,Fri,Sat,Sun", "ipv4", /leaves no day/],
  ["-A INPUT -m nfacct --nfacct-name counter", "ipv4", /nfacct name "counter" is not a name nft 1\.0\.6 can give a counter/],
  ["-A INPUT -m physdev --physdev-in eth0", "ipv4", /physdev matches bridge ports, which nft's ip and ip6 tables cannot see/],
  ["-A INPUT -m physdev --physdev-is-bridged", "ipv6", /physdev matches bridge ports/],
  ["-A INPUT -m u32 --u32 0>>22&0x3C@12>>26&0x3C@0=1", "ipv4", /u32 locations with @ or shifts/],
  ["-A INPUT -m u32 ! --u32 0=1", "ipv4", /! --u32 also matches packets too short/],
  ["-A INPUT -m u32 --u32 0=5:4", "ipv4", /every u32 value range is empty/],
  ["-A INPUT -m string --string foo --algo bm", "ipv4", /nft 1\.0\.6 has no payload search/],
  ['-A INPUT -m bpf --bytecode "1,6 0 0 0"', "ipv4", /nft has no expression that runs classic BPF/],
];

/** Where our translation of a netfilter case differs from netfilter's text, and why (`refused`: we refuse it). */
const txlateDifferences: TxlateMatchDifferences = {
  "libxt_comment.txlate:4": {
    ours: 'ip saddr 192.168.0.0/16 ip daddr 192.168.0.0/16 ip frag-off & 0x1fff == 0 tcp sport 80 jump LONGNACCEPT comment "foobar"',
    why: "later-fragment guard: xt's tcp match never sees non-first fragments; nft's payload would read them",
  },
  "libxt_comment.txlate:7": {
    ours: 'ip saddr 192.168.0.0/16 ip daddr 192.168.0.0/16 ip frag-off & 0x1fff == 0 tcp sport 80 drop comment "singlecomment"',
    why: "as libxt_comment.txlate:4",
  },
  "libxt_owner.txlate:1": { ours: "tcp dport 80 meta skuid 0 accept", why: "same test; nft's current spelling (meta skuid)" },
  "libxt_owner.txlate:4": { ours: "tcp dport 80 meta skgid 0-10 accept", why: "same test; nft's current spelling (meta skgid)" },
  "libxt_owner.txlate:7": {
    refused: /only negated owner options/,
    why: "xt_owner with only negated options matches packets without a socket (kernel-sent RSTs and ICMP errors); nft's skuid stops the rule for them",
  },
  "libxt_socket.txlate:2": {
    refused: /without --nowildcard/,
    why: "xt_socket matches TIME_WAIT and SYN_RECV sockets here; nft's `socket wildcard 0` stops the rule for them (it reads only full sockets)",
  },
  "libxt_socket.txlate:5": { refused: /without --nowildcard/, why: "as libxt_socket.txlate:2" },
  "libxt_socket.txlate:10": {
    ours: "socket transparent { 0, 1 }",
    why: "`socket wildcard le 1` stops the rule for TIME_WAIT and SYN_RECV sockets, which --nowildcard matches; `socket transparent` reads every kind of socket",
  },
  "libxt_socket.txlate:13": {
    refused: /--restore-skmark copies the mark of full sockets/,
    why: "xt_socket still matches non-full sockets without copying a mark; nft's `socket mark` stops the rule for them",
  },
  "libxt_socket.txlate:16": { refused: /--restore-skmark copies the mark of full sockets/, why: "as libxt_socket.txlate:13" },
  "libxt_rpfilter.txlate:1": { ours: "fib saddr . iif oif exists", why: "same test; exists for != 0" },
  "libxt_rpfilter.txlate:4": { ours: "fib saddr . mark oif exists", why: "same test; exists for != 0" },
  "libxt_rpfilter.txlate:7": {
    ours: "ip6 saddr != :: fib saddr . mark . iif oif missing",
    why: "missing for 0; ip6t_rpfilter passes packets from :: unlooked (so --invert never matches them), nft's fib looks :: up",
  },
  "libxt_time.txlate:1": {
    ours: "ip frag-off & 0x1fff == 0 icmp type echo-request meta time < 2147483648 meta day { 6, 0 } reject",
    why: "xt_time stops matching after its default end date, 2038-01-19T03:14:07 (INT_MAX)",
  },
  "libxt_time.txlate:4": {
    ours: "ip frag-off & 0x1fff == 0 icmp type echo-request meta time < 2147483648 meta hour 43200-86399 reject",
    why: 'nft reads "12:00:00" in the time zone of the process that loads the rules; xt_time is UTC, which nft takes as seconds; and the 2038 end',
  },
  "libxt_time.txlate:7": {
    ours: "ip frag-off & 0x1fff == 0 icmp type echo-request meta time < 2147483648 meta hour 0-43200 reject",
    why: "as libxt_time.txlate:4",
  },
  "libxt_time.txlate:10": {
    ours: "ip frag-off & 0x1fff == 0 icmp type echo-request meta time >= 1609459200 meta time < 2147483648 reject",
    why: 'nft reads "2021-01-01 00:00:00" in the loading process\'s time zone (xt_time: UTC), and its range ends at 03:14:07.000, leaving out the rest of that second',
  },
  "libxt_time.txlate:13": { ours: "ip frag-off & 0x1fff == 0 icmp type echo-request meta time < 1609459201 reject", why: "as libxt_time.txlate:10: the whole last second belongs to the range" },
  "libxt_time.txlate:16": { ours: "ip frag-off & 0x1fff == 0 icmp type echo-request meta time < 1611878401 reject", why: "as libxt_time.txlate:10" },
  "libxt_time.txlate:19": {
    ours: "ip frag-off & 0x1fff == 0 icmp type echo-request meta time >= 1580256000 meta time < 2147483648 meta hour 43200-86399 reject",
    why: "as libxt_time.txlate:4 and :10",
  },
  "libxt_time.txlate:22": {
    ours: "ip frag-off & 0x1fff == 0 icmp type echo-request meta time >= 1580256000 meta time < 2147483648 meta hour 43200-68400 meta day { 1, 2, 3, 4, 5 } reject",
    why: "as libxt_time.txlate:4 and :10",
  },
  "libxt_time.txlate:25": {
    ours: "ip frag-off & 0x1fff == 0 icmp type echo-request meta time >= 1580256000 meta time < 2147483648 meta hour 43200-68400 meta day { 6, 0 } reject",
    why: "as libxt_time.txlate:4 and :10",
  },
};

const metaFiles = ["libxt_comment.txlate", "libxt_owner.txlate", "libxt_socket.txlate", "libxt_rpfilter.txlate", "libxt_time.txlate"];

describe("metadata translators", () => {
  for (const [command, family, expected, objects] of translations) {
    it(`${family} ${command}`, () => {
      const t = translateMatch(command, family);
      expect(t.refusals).toEqual([]);
      expect(t.text).toBe(expected);
      expect(t.declarations).toEqual(objects ?? []);
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

describe("rpfilter caveats", () => {
  // [command, family, nft matches more or fewer of the packets named, more permissive, words of the caveat]
  const cases: readonly (readonly [string, Family, "more" | "fewer", boolean, RegExp])[] = [
    ["-t raw -A PREROUTING -m rpfilter --invert -j DROP", "ipv4", "fewer", true, /broadcast.*fail xt_rpfilter.*matches none of them/],
    ["-t raw -A PREROUTING -m rpfilter -j ACCEPT", "ipv4", "more", true, /broadcast.*fail xt_rpfilter.*matches them too/],
    ["-t mangle -A PREROUTING -m rpfilter --loose -j MARK --set-mark 1", "ipv4", "more", false, /broadcast/],
    ["-t raw -A PREROUTING -m rpfilter -j ACCEPT", "ipv6", "fewer", false, /from the unspecified address ::/],
  ];
  it.each(cases)("%s (%s): translated, with a warning naming the packets that differ", (command, family, nftMatches, morePermissive, words) => {
    const t = translateMatch(command, family);
    const approximations = t.result?.approximations ?? [];
    expect(approximations).toHaveLength(1);
    expect(approximations[0]).toMatchObject({ caveat: { nftMatches }, morePermissive, line: 2 });
    expect(approximations[0]?.caveat.differs).toMatch(words);
    const rule = t.result?.nft.tables[0]?.chains.find((c) => c.rules.length > 0)?.rules[0];
    expect(rule?.leadingComments?.[0]).toMatch(/^approximate: /);
  });

  it("ip6tables --invert is exact: no caveat (the :: case is written out)", () => {
    expect(translateMatch("-t raw -A PREROUTING -m rpfilter --invert -j DROP", "ipv6").result?.approximations).toEqual([]);
  });

  it("reports each caveat as an approximate warning, saying when it can be more permissive", () => {
    const { diagnostics } = translateCommand("-t raw -A PREROUTING -m rpfilter --invert -j DROP");
    const warnings = diagnostics.filter((d) => d.code === "approximate");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ severity: "warning", span: { start: { line: 2 } } });
    expect(warnings[0]?.message).toMatch(/translated with a difference: .* more permissive than the input$/);
    expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  });
});

describeTxlateMatches("comment, owner, socket, rpfilter, time", metaFiles, 23, txlateDifferences);

describe("kernel", () => {
  it.skipIf(kernelSkipReason !== undefined)(`loads every translation here, as text and as JSON${kernelSkipReason === undefined ? "" : ` (skipped: ${kernelSkipReason})`}`, () => {
    const all: MatchTranslation[] = [...translations.map(([c, f]) => translateMatch(c, f)), ...txlateCasesIn(metaFiles).map((c) => translateMatch(c.command, c.family))];
    const loaded = loadForReal(all.flatMap((t) => (t.result === undefined ? [] : [t.result])));
    expect(loaded).toEqual({ text: "", json: "", jsonDiffers: [] });
  });

  it.skipIf(kernelSkipReason !== undefined)(`reads times of day and dates the same whatever the loading process's time zone${kernelSkipReason === undefined ? "" : ` (skipped: ${kernelSkipReason})`}`, () => {
    const tables = translations
      .filter(([c]) => c.includes("-m time"))
      .map(([c, f], i) => {
        const table = translateMatch(c, f).result?.nft.tables[0];
        if (table === undefined) throw new Error(`no translation for ${c}`);
        return { ...table, name: `t${i}` };
      });
    const ns = createNetns("ipt2nft-tz");
    const dir = mkdtempSync(join(tmpdir(), "ipt2nft-tz-"));
    try {
      const file = join(dir, "rules.nft");
      writeFileSync(file, printNftText({ kind: "ruleset", tables }));
      const bytecode = (tz: string): string => ns.exec("env", [`TZ=${tz}`, "nft", "--debug=netlink", "-c", "-f", file]).stdout;
      const utc = bytecode("UTC");
      expect(utc).toContain("meta load hour");
      expect(bytecode("Asia/Kolkata")).toBe(utc);
      expect(bytecode("America/New_York")).toBe(utc);
    } finally {
      ns.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  /**
   * Time windows around the current time, loaded into iptables-legacy and, translated, into nft in one
   * namespace; one UDP datagram then shows which rules match on each side. Windows stay 10 minutes clear of
   * midnight UTC, so the test waits for no clock.
   */
  const legacySkip = kernelSkipReason ?? (hasCommand("iptables-legacy") ? undefined : "needs iptables-legacy");
  it.skipIf(legacySkip !== undefined)(`matches time windows around now as xt_time does${legacySkip === undefined ? "" : ` (skipped: ${legacySkip})`}`, () => {
    const now = new Date();
    const second = now.getUTCHours() * 3600 + now.getUTCMinutes() * 60 + now.getUTCSeconds();
    if (second < 1200 || second > 86400 - 1200) return;
    const hms = (s: number): string => [Math.floor(s / 3600), Math.floor(s / 60) % 60, s % 60].map((n) => String(n).padStart(2, "0")).join(":");
    const days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const today = days[now.getUTCDay()] ?? "Mon";
    const dayBefore = days[(now.getUTCDay() + 6) % 7] ?? "Sun";
    const date = (d: Date): string => d.toISOString().slice(0, 19);
    const yesterday = date(new Date(now.getTime() - 86400_000));
    const rules = [
      `-m time --timestart ${hms(second - 120)} --timestop ${hms(second + 120)}`,
      `-m time --timestart ${hms(second + 600)} --timestop ${hms(second + 1200)}`,
      `-m time --timestart ${hms(second + 120)} --timestop ${hms(second - 120)}`,
      `-m time --timestart ${hms(second + 600)} --timestop ${hms(second + 300)}`,
      `-m time --weekdays ${today}`,
      `-m time ! --weekdays ${today}`,
      `-m time --datestart ${yesterday}`,
      `-m time --datestop ${yesterday}`,
      // With --contiguous, now (before the stop time) belongs to the day before.
      `-m time --timestart ${hms(second + 600)} --timestop ${hms(second + 300)} --weekdays ${today} --contiguous`,
      `-m time --timestart ${hms(second + 600)} --timestop ${hms(second + 300)} --weekdays ${dayBefore} --contiguous`,
    ].map((m) => `-A OUTPUT -p udp --dport 9999 ${m}`);
    const ns = createNetns("ipt2nft-time");
    const dir = mkdtempSync(join(tmpdir(), "ipt2nft-time-"));
    try {
      expect(ns.exec("ip", ["link", "set", "lo", "up"]).code).toBe(0);
      for (const r of rules) expect(ns.exec("iptables-legacy", r.split(" ")).stderr).toBe("");
      const tables = rules.map((r, i) => {
        const table = translateMatch(r, "ipv4").result?.nft.tables[0];
        if (table === undefined) throw new Error(`no translation for ${r}`);
        return { ...table, name: `r${i}` };
      });
      const file = join(dir, "rules.nft");
      writeFileSync(file, printNftText({ kind: "ruleset", tables }));
      expect(ns.exec("nft", ["-f", file]).stderr).toBe("");
      expect(ns.exec("node", ["-e", "const d=require('dgram').createSocket('udp4');d.send(Buffer.alloc(8),9999,'127.0.0.1',()=>d.close());"]).code).toBe(0);
      const xt = ns
        .exec("iptables-legacy", ["-L", "OUTPUT", "-v", "-x", "-n"])
        .stdout.split("\n")
        .slice(2)
        .filter((l) => l.trim() !== "")
        .map((l) => Number(l.trim().split(/\s+/)[0]));
      const nft = tables.map((t) => Number(/counter packets (\d+)/.exec(ns.exec("nft", ["list", "chain", "ip", t.name, "OUTPUT"]).stdout)?.[1] ?? "-1"));
      expect(xt).toEqual([1, 0, 0, 1, 1, 0, 1, 0, 0, 1]);
      expect(nft).toEqual(xt);
    } finally {
      ns.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
