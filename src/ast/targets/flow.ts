/**
 * Targets that decide where a packet or its connection goes: REJECT, NFQUEUE, CT, NOTRACK, TPROXY, TEE,
 * SET, SYNPROXY, IDLETIMER, LED.
 * @module
 */
import { type HostAddress, type NumberRange, flag, hostAddress, markWithMask, name, pair, parseHost, parsePort, parseUnsigned, unsigned } from "../codecs.js";
import { parseIP } from "../address.js";
import { type Codec, CodecError, type NodeOf, atMostOne, moduleSchema, option } from "../schema.js";

/** IPv4 reject types with their aliases, in libipt_REJECT's table order (prefixes match the first). */
const ipv4RejectTypes = [
  ["icmp-net-unreachable", "net-unreach"],
  ["icmp-host-unreachable", "host-unreach"],
  ["icmp-proto-unreachable", "proto-unreach"],
  ["icmp-port-unreachable", "port-unreach"],
  ["icmp-net-prohibited", "net-prohib"],
  ["icmp-host-prohibited", "host-prohib"],
  ["tcp-reset", "tcp-rst"],
  ["icmp-admin-prohibited", "admin-prohib"],
] as const;

/** IPv6 reject types with their aliases, in libip6t_REJECT's table order. */
const ipv6RejectTypes = [
  ["icmp6-no-route", "no-route"],
  ["icmp6-adm-prohibited", "adm-prohibited"],
  ["icmp6-addr-unreachable", "addr-unreach"],
  ["icmp6-port-unreachable", "port-unreach"],
  ["tcp-reset", "tcp-reset"],
  ["icmp6-policy-fail", "policy-fail"],
  ["icmp6-reject-route", "reject-route"],
] as const;

/** What `-j REJECT` sends back in an IPv4 ruleset, by its iptables-save name. */
export type IPv4RejectType = (typeof ipv4RejectTypes)[number][0];
/** What `-j REJECT` sends back in an IPv6 ruleset, by its ip6tables-save name. */
export type IPv6RejectType = (typeof ipv6RejectTypes)[number][0];
/** A reject type of either family; `tcp-reset` is in both. */
export type RejectType = IPv4RejectType | IPv6RejectType;

/** The reject type the kernel uses when `--reject-with` is absent. */
export const defaultRejectType: Readonly<Record<"ipv4" | "ipv6", RejectType>> = { ipv4: "icmp-port-unreachable", ipv6: "icmp6-port-unreachable" };

function findRejectType(table: readonly (readonly [RejectType, string])[], text: string): RejectType | undefined {
  const t = text.toLowerCase();
  return table.find(([full, alias]) => full.startsWith(t) || alias.startsWith(t))?.[0];
}

/**
 * `--reject-with TYPE`. As iptables does, a type may be abbreviated to any prefix of its name or alias
 * (`net-unreach`, `icmp-net`), case-insensitively; the first entry of the table that matches wins. The
 * names depend on the family; with no family known, IPv4's table is tried first.
 */
export const rejectWith: Codec<RejectType> = {
  domain: { type: "custom", name: "rejectWith" },
  arity: 1,
  expected: "a reject type (icmp-port-unreachable, tcp-reset, icmp6-adm-prohibited, ...)",
  parse: ([t = ""], cx) => {
    if (t === "") return new CodecError("the reject type must not be empty");
    const found = cx.family === "ipv6" ? findRejectType(ipv6RejectTypes, t) : (findRejectType(ipv4RejectTypes, t) ?? (cx.family === undefined ? findRejectType(ipv6RejectTypes, t) : undefined));
    if (found !== undefined) return found;
    const names = (cx.family === "ipv6" ? ipv6RejectTypes : ipv4RejectTypes).map(([n]) => n).join(", ");
    return new CodecError(`"${t}" is not an ${cx.family === "ipv6" ? "IPv6" : "IPv4"} reject type (${names})`);
  },
  print: (r) => [r],
};

/** `-j REJECT [--reject-with TYPE]`: drop the packet and answer with an ICMP error or a TCP reset. */
export const REJECTSchema = moduleSchema({
  name: "REJECT",
  options: {
    rejectWith: option(["--reject-with"], rejectWith),
  },
  // The kernel's REJECT checks this: a TCP reset answers only TCP.
  check: (n, rule) => (n.rejectWith?.value === "tcp-reset" && rule.protocol !== 6 ? [{ option: "rejectWith", message: "--reject-with tcp-reset needs -p tcp (the kernel refuses it otherwise)", severity: "warning" }] : []),
});
/** A `-j REJECT` target. */
export type REJECTTarget = NodeOf<typeof REJECTSchema>;

/**
 * `--queue-balance FIRST:LAST`: FIRST must be below LAST, and at most 65535 queues fit (the kernel keeps
 * the count in 16 bits, so `0:65535` is refused).
 */
export const queueBalance: Codec<NumberRange> = {
  domain: { type: "custom", name: "queueBalance" },
  arity: 1,
  expected: "a queue range FIRST:LAST (0-65535, FIRST below LAST)",
  parse: ([t = ""]) => {
    const [a = "", b, ...rest] = t.split(":");
    if (b === undefined || rest.length > 0) return new CodecError(`"${t}" is not a queue range FIRST:LAST`);
    const from = parseUnsigned(a);
    const to = parseUnsigned(b);
    if (from === undefined || from > 65535) return new CodecError(`"${a}" is not a queue number (0-65535)`);
    if (to === undefined || to > 65535) return new CodecError(`"${b}" is not a queue number (0-65535)`);
    if (from >= to) return new CodecError(`queue range ${t}: ${from} should be less than ${to}`);
    if (to - from + 1 > 65535) return new CodecError(`queue range ${t} holds ${to - from + 1} queues; at most 65535 fit`);
    return { from, to };
  },
  print: (r) => [`${r.from}:${r.to}`],
};

/**
 * `-j NFQUEUE`: hand the packet to a userspace program on queue `--queue-num` (default 0) or one of the
 * queues of `--queue-balance`, picked by flow hash (or by CPU with `--queue-cpu-fanout`).
 * `--queue-bypass` accepts the packet when no program listens instead of dropping it.
 */
export const NFQUEUESchema = moduleSchema({
  name: "NFQUEUE",
  options: {
    queueNum: option(["--queue-num"], unsigned(0, 65535)),
    queueBalance: option(["--queue-balance"], queueBalance),
    queueBypass: option(["--queue-bypass"], flag),
    queueCpuFanout: option(["--queue-cpu-fanout"], flag),
  },
  check: (n) => {
    const exclusive = atMostOne(n, ["queueNum", "queueBalance"]);
    if (exclusive.length > 0) return exclusive;
    if (n.queueCpuFanout !== undefined && n.queueBalance === undefined) return [{ message: "--queue-cpu-fanout needs --queue-balance" }];
    return [];
  },
});
/** A `-j NFQUEUE` target. */
export type NFQUEUETarget = NodeOf<typeof NFQUEUESchema>;

/** A conntrack zone: a number, or `mark` to take the zone from the packet mark. */
export type CtZone = number | "mark";

/** `--zone {ID|mark}` and its `-orig`/`-reply` forms: a zone 0-65535, or `mark` (any case). */
export const ctZone: Codec<CtZone> = {
  domain: { type: "custom", name: "ctZone" },
  arity: 1,
  expected: "a zone number (0-65535) or mark",
  parse: ([t = ""]) => {
    if (t.toLowerCase() === "mark") return "mark";
    const v = parseUnsigned(t);
    if (v === undefined || v > 65535) return new CodecError(`cannot parse "${t}" as a zone ID (0-65535 or mark)`);
    return v;
  },
  print: (z) => [String(z)],
};

/** Conntrack event names, in the order of their bits (the order iptables-save prints them in). */
export const ctEventNames = ["new", "related", "destroy", "reply", "assured", "protoinfo", "helper", "mark", "natseqinfo", "secmark"] as const;
/** A conntrack event `--ctevents` can select. */
export type CtEvent = (typeof ctEventNames)[number];

/**
 * `EVENT[,EVENT...]` out of `names`, spelled exactly (iptables compares with strcmp). Stored without
 * repeats in the order of `names`, the bit order iptables-save prints them in, so the print is canonical.
 */
function eventSet<const E extends string>(names: readonly E[], what: string, domain: string): Codec<readonly E[]> {
  return {
    domain: { type: "custom", name: domain },
    arity: 1,
    expected: `a comma-separated list of ${what}s (${names.join(", ")})`,
    parse: ([t = ""]) => {
      const given = t.split(",");
      const unknown = given.find((e) => !(names as readonly string[]).includes(e));
      if (unknown !== undefined) return new CodecError(`unknown ${what} "${unknown}" (one of ${names.join(", ")})`);
      return names.filter((n) => given.includes(n));
    },
    print: (es) => [es.join(",")],
  };
}

/**
 * `-j CT` (raw table): attach a conntrack template. `--notrack` leaves the packet untracked (and makes the
 * other options moot); `--helper` and `--timeout` name a helper and a timeout policy; `--ctevents` and
 * `--expevents` limit the events generated; `--zone` (both directions), `--zone-orig` or `--zone-reply`
 * pick the conntrack zone. iptables-save omits zone 0.
 */
export const CTSchema = moduleSchema({
  name: "CT",
  options: {
    notrack: option(["--notrack"], flag),
    helper: option(["--helper"], name(15, "helper name")),
    timeout: option(["--timeout"], name(31, "timeout policy name")),
    ctevents: option(["--ctevents"], eventSet(ctEventNames, "conntrack event", "ctEvents")),
    expevents: option(["--expevents"], eventSet(["new"] as const, "expectation event", "ctExpEvents")),
    zone: option(["--zone"], ctZone),
    zoneOrig: option(["--zone-orig"], ctZone),
    zoneReply: option(["--zone-reply"], ctZone),
  },
  // The kernel keeps one zone and a direction; iptables lets a later zone option overwrite an earlier one
  // (`--zone-orig 1 --zone-reply 2` becomes `--zone 2`), so only one is accepted.
  check: (n) => atMostOne(n, ["zone", "zoneOrig", "zoneReply"]),
});
/** A `-j CT` target. */
export type CTTarget = NodeOf<typeof CTSchema>;

/** `-j NOTRACK` (raw table): the same as `-j CT --notrack`; iptables-save keeps this spelling. */
export const NOTRACKSchema = moduleSchema({
  name: "NOTRACK",
  options: {},
});
/** A `-j NOTRACK` target. */
export type NOTRACKTarget = NodeOf<typeof NOTRACKSchema>;

/** One port, as a number or a service name. */
export const singlePort: Codec<number> = {
  domain: { type: "uint", min: 0, max: 65535 },
  arity: 1,
  expected: "a port number or service name",
  parse: ([t = ""]) => {
    const p = parsePort(t);
    if (p === undefined) return new CodecError(`"${t}" is not a port number or service name`);
    if (p > 65535) return new CodecError(`port ${t} is out of range (0-65535)`);
    return p;
  },
  print: (p) => [String(p)],
};

/**
 * `-j TPROXY --on-port PORT [--on-ip ADDR] [--tproxy-mark V[/M]]` (mangle PREROUTING): deliver the packet
 * to a local socket without rewriting it. Port 0 keeps the packet's port; the address defaults to the
 * incoming interface's. iptables-save always prints all three options, `--on-ip 0.0.0.0` (or `::`) and
 * `--tproxy-mark 0x0/0x0` when they were not given.
 */
export const TPROXYSchema = moduleSchema({
  name: "TPROXY",
  protocols: [6, 17],
  options: {
    onPort: option(["--on-port"], singlePort),
    onIp: option(["--on-ip"], hostAddress),
    tproxyMark: option(["--tproxy-mark"], markWithMask),
  },
  check: (n) => (n.onPort === undefined ? [{ message: "--on-port is required" }] : []),
});
/** A `-j TPROXY` target. */
export type TPROXYTarget = NodeOf<typeof TPROXYSchema>;

/** A next hop: one address of the ruleset's family, not the unspecified address (which the kernel refuses). */
export const gatewayAddress: Codec<HostAddress> = {
  domain: { type: "custom", name: "gatewayAddress" },
  arity: 1,
  expected: "an IPv4 or IPv6 address",
  parse: ([t = ""], cx) => {
    const a = parseHost(t, cx.family);
    if (a instanceof CodecError) return a;
    if (parseIP(a.address)?.value === 0n) return new CodecError(`${a.address} is not a usable gateway`);
    return a;
  },
  print: (a) => [a.address],
};

/** `-j TEE --gateway ADDR [--oif NAME]`: send a copy of the packet to the next hop ADDR (through NAME). */
export const TEESchema = moduleSchema({
  name: "TEE",
  options: {
    gateway: option(["--gateway"], gatewayAddress),
    oif: option(["--oif"], name(15, "interface name")),
  },
  check: (n) => (n.gateway === undefined ? [{ message: "--gateway is required" }] : []),
});
/** A `-j TEE` target. */
export type TEETarget = NodeOf<typeof TEESchema>;

/** Which address (and port) of the packet one dimension of an ipset entry is taken from. */
export type SetDirection = "src" | "dst";

/** `src|dst[,src|dst...]`, one to six, exactly spelled (iptables compares them with strncmp). */
export const setDirections: Codec<readonly SetDirection[]> = {
  domain: { type: "custom", name: "setDirections" },
  arity: 1,
  expected: "a comma-separated list of src and dst (at most 6)",
  parse: ([t = ""]) => {
    const parts = t.split(",");
    if (parts.length > 6) return new CodecError(`at most 6 src/dst flags are allowed, got ${parts.length}`);
    const out: SetDirection[] = [];
    for (const p of parts) {
      if (p !== "src" && p !== "dst") return new CodecError(`"${p}" is not src or dst`);
      out.push(p);
    }
    return out;
  },
  print: (ds) => [ds.join(",")],
};

/** A set name (at most 31 bytes) and the packet fields to look up in it. */
const setReference = pair(name(31, "set name"), setDirections, "a set name and src|dst[,src|dst...]");

/**
 * `-j SET`: `--add-set` / `--del-set NAME FLAGS` add the packet's address(es)/port(s) to an ipset or
 * delete them; `--exist` and `--timeout` apply to `--add-set`. `--map-set NAME FLAGS` with `--map-mark`,
 * `--map-prio`, `--map-queue` copies skbinfo from the matching entry (mangle table only).
 */
export const SETSchema = moduleSchema({
  name: "SET",
  options: {
    addSet: option(["--add-set"], setReference),
    exist: option(["--exist"], flag),
    timeout: option(["--timeout"], unsigned(0, 4294967294)),
    delSet: option(["--del-set"], setReference),
    mapSet: option(["--map-set"], setReference),
    mapMark: option(["--map-mark"], flag),
    mapPrio: option(["--map-prio"], flag),
    mapQueue: option(["--map-queue"], flag),
  },
  check: (n) => {
    if (n.addSet === undefined && n.delSet === undefined && n.mapSet === undefined) return [{ message: "one of --add-set, --del-set, --map-set is required" }];
    if (n.addSet === undefined && (n.exist !== undefined || n.timeout !== undefined)) return [{ message: `${n.exist === undefined ? "--timeout" : "--exist"} can be used with --add-set only` }];
    const mapFlags = n.mapMark !== undefined || n.mapPrio !== undefined || n.mapQueue !== undefined;
    if (n.mapSet === undefined && mapFlags) return [{ message: "--map-mark, --map-prio and --map-queue can be used with --map-set only" }];
    if (n.mapSet !== undefined && !mapFlags) return [{ message: "--map-set needs --map-mark, --map-prio or --map-queue" }];
    return [];
  },
});
/** A `-j SET` target. */
export type SETTarget = NodeOf<typeof SETSchema>;

/**
 * `-j SYNPROXY [--sack-perm] [--timestamp] [--wscale N] [--mss N]`: answer SYNs with syncookies and hand
 * the connection to the server once the client completed the handshake. The options announce what the
 * server supports.
 */
export const SYNPROXYSchema = moduleSchema({
  name: "SYNPROXY",
  protocols: [6],
  options: {
    sackPerm: option(["--sack-perm"], flag),
    timestamp: option(["--timestamp"], flag),
    wscale: option(["--wscale"], unsigned(0, 255)),
    mss: option(["--mss"], unsigned(0, 65535)),
  },
});
/** A `-j SYNPROXY` target. */
export type SYNPROXYTarget = NodeOf<typeof SYNPROXYSchema>;

/**
 * `-j IDLETIMER --timeout SECONDS --label NAME [--alarm]`: restart the timer NAME, which notifies userspace
 * through sysfs when it expires. The kernel refuses 0 and anything from INT_MAX/1000 seconds on.
 */
export const IDLETIMERSchema = moduleSchema({
  name: "IDLETIMER",
  options: {
    timeout: option(["--timeout"], unsigned(1, 2147482)),
    label: option(["--label"], name(27, "timer label")),
    alarm: option(["--alarm"], flag),
  },
  check: (n) => [
    ...(n.timeout === undefined ? [{ message: "--timeout is required" }] : []),
    ...(n.label === undefined ? [{ message: "--label is required" }] : []),
  ],
});
/** A `-j IDLETIMER` target. */
export type IDLETIMERTarget = NodeOf<typeof IDLETIMERSchema>;

/** How long an LED stays on: milliseconds, or `inf` for until the trigger is detached. */
export type LedDelay = number | "inf";

/** `--led-delay MS|inf`; like iptables, any word starting with `inf` (any case) means `inf`. */
export const ledDelay: Codec<LedDelay> = {
  domain: { type: "custom", name: "ledDelay" },
  arity: 1,
  expected: "a delay in milliseconds or inf",
  parse: ([t = ""]) => {
    if (/^inf/i.test(t)) return "inf";
    const v = parseUnsigned(t);
    if (v === undefined || v > 0x7fffffff) return new CodecError(`"${t}" is not a delay in milliseconds (0-2147483647) or inf`);
    return v;
  },
  print: (d) => [String(d)],
};

/** `-j LED --led-trigger-id NAME [--led-delay MS|inf] [--led-always-blink]`: blink the LED trigger `netfilter-NAME`. */
export const LEDSchema = moduleSchema({
  name: "LED",
  options: {
    ledTriggerId: option(["--led-trigger-id"], name(16, "LED trigger id")),
    ledDelay: option(["--led-delay"], ledDelay),
    ledAlwaysBlink: option(["--led-always-blink"], flag),
  },
  check: (n) => (n.ledTriggerId === undefined ? [{ message: "--led-trigger-id is required" }] : []),
});
/** A `-j LED` target. */
export type LEDTarget = NodeOf<typeof LEDSchema>;
