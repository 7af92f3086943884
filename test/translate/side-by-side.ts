/**
 * xt against nft on real packets, for translations whose state lives outside the rule (connections, marks)
 * or that become several nft rules: two throwaway namespaces get the same nft `setup` table (NOTRACK, DNAT,
 * connection marks to start from), one the iptables ruleset through iptables-legacy-restore, the other its
 * translation; the same packets go out of both over lo, and each iptables rule's packet count is compared
 * with the sum of its nft rules' counts (a rule split into cases counts in the one case a packet is in).
 *
 * Two namespaces, not one: CONNMARK changes the packet and its connection, so the two sides must not see
 * each other's changes.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { printNftText } from "../../src/nft/index.js";
import { parseRuleset } from "../../src/parse/index.js";
import { translate } from "../../src/translate/index.js";
import { createNetns, hasCommand, type Netns } from "../helpers/netns.js";
import { kernelSkipReason } from "../helpers/translate.js";

/** Why the packets cannot be sent here, or undefined when they can. */
export const sideBySideSkipReason: string | undefined =
  kernelSkipReason ?? (!hasCommand("iptables-legacy-restore") ? "needs iptables-legacy" : !hasCommand("python3") ? "needs python3 (sockets with SO_MARK, raw TCP)" : undefined);

/**
 * One IPv4 packet from 127.0.0.1:sport to 127.0.0.1:dport: a UDP datagram from a socket bound to sport, or
 * with `tcpFlags` a bare TCP header from a raw socket; `mark` is set with SO_MARK.
 */
export interface SentPacket {
  readonly sport: number;
  readonly dport: number;
  readonly mark?: number;
  readonly tcpFlags?: number;
}

const sender = `
import json, socket, struct, sys
p = json.loads(sys.argv[1])
if "tcpFlags" in p:
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
    data = struct.pack("!HHIIBBHHH", p["sport"], p["dport"], 1, 0, 5 << 4, p["tcpFlags"], 8192, 0, 0)
    addr = ("127.0.0.1", 0)
else:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", p["sport"]))
    data = b"ipt2nft!"
    addr = ("127.0.0.1", p["dport"])
if "mark" in p:
    s.setsockopt(socket.SOL_SOCKET, 36, struct.pack("I", p["mark"]))  # SO_MARK, unsigned
s.sendto(data, addr)
s.close()
`;

/** Per iptables rule of a chain, in order: xt's packet count and the sum of its nft rules' counts. */
export interface RuleCounts {
  readonly xt: readonly number[];
  readonly nft: readonly number[];
}

/** The two namespaces, loaded. */
export interface SideBySide {
  /** The nft text the translated side loaded. */
  readonly nftText: string;
  send(packet: SentPacket): void;
  counts(table: string, chain: string): RuleCounts;
  destroy(): void;
}

/**
 * Loads `iptables` (iptables-save text, IPv4) on one side and its translation on the other, after the same
 * `setup` nft text on both.
 */
export function sideBySide(iptables: string, setup: string): SideBySide {
  const parsed = parseRuleset(iptables, { family: "ipv4" });
  if (parsed.value === undefined) throw new Error(`does not parse: ${parsed.diagnostics.map((d) => d.message).join("; ")}`);
  const ruleset = parsed.value;
  const translated = translate(ruleset).value;
  if (translated === undefined) throw new Error("does not translate");
  const nftText = printNftText(translated.nft);
  const dir = mkdtempSync(join(tmpdir(), "ipt2nft-side-"));
  const xt = createNetns("ipt2nft-xt");
  const nft = createNetns("ipt2nft-nft");
  const load = (ns: Netns, cmd: string, args: readonly string[], input?: string): void => {
    const r = ns.exec(cmd, args, input);
    if (r.code !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${r.stderr}`);
  };
  try {
    writeFileSync(join(dir, "setup.nft"), setup);
    writeFileSync(join(dir, "translated.nft"), nftText);
    for (const ns of [xt, nft]) {
      load(ns, "ip", ["link", "set", "lo", "up"]);
      load(ns, "nft", ["-f", join(dir, "setup.nft")]);
    }
    load(xt, "iptables-legacy-restore", [], iptables);
    load(nft, "nft", ["-f", join(dir, "translated.nft")]);
  } catch (e) {
    xt.destroy();
    nft.destroy();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    nftText,
    send: (packet) => {
      for (const ns of [xt, nft]) load(ns, "python3", ["-c", sender, JSON.stringify(packet)]);
    },
    counts: (table, chain) => {
      const lines = (ruleset.tables.find((t) => t.name === table)?.rules ?? []).filter((r) => r.chain === chain).map((r) => r.span.start.line);
      const xtCounts = xt
        .exec("iptables-legacy", ["-t", table, "-L", chain, "-v", "-x", "-n"])
        .stdout.split("\n")
        .slice(2)
        .filter((l) => l.trim() !== "")
        .map((l) => Number(l.trim().split(/\s+/)[0]));
      // The listed rules come in the order of the translated chain, whose rules carry their iptables line.
      const model = translated.nft.tables.find((t) => t.name === table)?.chains.find((c) => c.name === chain)?.rules ?? [];
      const listed = [...nft.exec("nft", ["list", "chain", "ip", table, chain]).stdout.matchAll(/counter packets (\d+)/g)].map((m) => Number(m[1]));
      if (listed.length !== model.length) throw new Error(`nft lists ${listed.length} rules in ${chain}, the translation has ${model.length}`);
      const nftCounts = lines.map((line) => model.reduce((sum, r, i) => (r.span?.start.line === line ? sum + (listed[i] ?? 0) : sum), 0));
      return { xt: xtCounts, nft: nftCounts };
    },
    destroy: () => {
      xt.destroy();
      nft.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
