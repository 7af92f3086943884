/**
 * The small vocabulary the equivalence property's rules, ipsets and packets share: a few addresses,
 * prefixes, ports, marks and interfaces, so that generated packets hit generated rules often (and land on
 * the edges of their prefixes and ranges). Words are written for IPv4 and turned into their IPv6 twins by
 * {@link forFamily}, which keeps prefixes nested the same way.
 * @module
 */
import type { Family } from "../../src/ast/index.js";
import { type HostModel, defaultEquivalenceHost } from "../../src/eval/index.js";

/** IPv4 words and their IPv6 twins, longest first so that no replacement eats part of another. */
const ipv6Twins: readonly (readonly [string, string])[] = [
  ["172.17.0.4-172.17.0.9:80-90", "[fd17::4-fd17::9]:80-90"],
  ["172.17.0.5:8080", "[fd17::5]:8080"],
  ["192.168.1.7:2000-2010", "[fd01::7]:2000-2010"],
  ["172.17.0.4-172.17.0.9", "fd17::4-fd17::9"],
  ["192.168.1.7-192.168.1.9", "fd01::7-fd01::9"],
  ["10.0.0.1-10.0.0.200", "fd00::1-fd00::200"],
  ["10.0.0.2-10.1.0.0", "fd00::2-fd00:1::"],
  ["192.168.9.0/24", "fd09::/64"],
  ["192.168.1.0/24", "fd01::/64"],
  ["192.168.1.255", "fd01::ff"],
  ["192.168.1.7", "fd01::7"],
  ["192.168.1.1", "fd01::1"],
  ["203.0.113.9", "2001:db8::9"],
  ["255.255.255.0", "ffff:ffff:ffff:ffff::"],
  ["172.17.0.4", "fd17::4"],
  ["172.17.0.5", "fd17::5"],
  ["10.0.0.0/30", "fd00::/126"],
  ["10.0.0.0/8", "fd00::/16"],
  ["10.1.0.0/16", "fd00:1::/32"],
  ["10.0.0.255", "fd00::ff"],
  ["10.1.2.3", "fd00:1::3"],
  ["10.0.0.1", "fd00::1"],
  ["10.0.0.2", "fd00::2"],
  ["10.0.0.3", "fd00::3"],
  ["10.0.0.4", "fd00::4"],
  ["224.0.0.1", "ff02::1"],
  ["127.0.0.1", "::1"],
  ["0.0.0.0/1", "::/1"],
];

/** `word` (written for IPv4) in `family`: IPv4 addresses replaced by their IPv6 twins. */
export function forFamily(family: Family, word: string): string {
  if (family === "ipv4") return word;
  return ipv6Twins.reduce((w, [v4, v6]) => w.split(v4).join(v6), word);
}

/** Addresses and prefixes rules test (`-s`, `-d`, conntrack tuples, iprange edges come from {@link ruleRanges}). */
export const ruleAddresses = ["10.0.0.1", "10.0.0.2", "172.17.0.4", "192.168.1.7", "10.0.0.0/8", "10.1.0.0/16", "192.168.1.0/24", "0.0.0.0/1", "10.0.0.0/30"] as const;

/** Address ranges rules test (`-m iprange`). */
export const ruleRanges = ["10.0.0.1-10.0.0.200", "10.0.0.2-10.1.0.0", "192.168.1.7-192.168.1.9"] as const;

/**
 * Addresses packets carry: the rules' hosts, a prefix's first, last and one-past addresses, this host's own
 * addresses (eth0, eth1, lo), a broadcast and a multicast address, and one outside everything.
 */
export const packetAddresses = ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.1.2.3", "172.17.0.4", "192.168.1.7", "192.168.1.1", "127.0.0.1", "10.0.0.255", "224.0.0.1", "203.0.113.9"] as const;

/** Ports rules test (single ports and a range, as `--dport` words). */
export const rulePorts = ["22", "53", "80", "1000:2000", "8080"] as const;

/** Ports packets carry: the rules' ports, the range's edges and one on each side, and an ephemeral port. */
export const packetPorts = [22, 53, 80, 999, 1000, 2000, 2001, 8080, 3128, 40000] as const;

/** Marks rules test, as `VALUE/MASK` words. */
export const ruleMarks = ["0x1/0x1", "0x4000/0x4000", "0x2/0x3", "0x5", "0x0/0xffff0000"] as const;

/** Marks packets and connections carry. */
export const packetMarks = [0, 1, 2, 3, 5, 0x4000, 0x4001, 0x10000] as const;

/** Interfaces rules name (`eth+` is a wildcard). */
export const ruleInterfaces = ["eth0", "eth1", "eth+", "lo"] as const;

/** Interfaces packets come in on or go out of: the host's own, so that fib and devgroup know them. */
export const packetInterfaces = ["eth0", "eth1", "lo"] as const;

/** The host both evaluators see (eth0 10.0.0.1 in group 1, eth1 192.168.1.1 in group 2, lo). */
export const equivalenceHost: HostModel = defaultEquivalenceHost;

/** The clock of the first packet: 2023-11-14 22:13:20 UTC, a Tuesday (for `-m time`). */
export const startClock = 1_700_000_000;
