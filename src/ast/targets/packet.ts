/**
 * Targets that rewrite header fields or per-packet metadata: TCPMSS, TTL, HL, DSCP, TOS, ECN, CHECKSUM,
 * CLASSIFY, CONNSECMARK, SECMARK, TCPOPTSTRIP.
 * @module
 */
import { flag, keyword, name, parseUnsigned, unsigned } from "../codecs.js";
import { type Codec, CodecError, type NodeOf, atMostOne, exactlyOne, moduleSchema, option } from "../schema.js";

/** A byte-sized number printed as iptables-save prints TOS and DSCP values: `0x` and two hex digits. */
function hexByte(min: number, max: number): Codec<number> {
  const plain = unsigned(min, max);
  return { ...plain, print: (v) => [`0x${v.toString(16).padStart(2, "0")}`] };
}

/**
 * `--set-mss VALUE`: at most 65535 less the smallest IP and TCP headers, which iptables enforces per
 * family (65515 for IPv4, 65495 for IPv6; 65515 when the family is not known).
 */
export const tcpMss: Codec<number> = {
  domain: { type: "custom", name: "tcpMss" },
  arity: 1,
  expected: "an MSS from 0 to 65515 (IPv4) or 65495 (IPv6)",
  parse: ([t = ""], cx) => {
    const max = cx.family === "ipv6" ? 65495 : 65515;
    const v = parseUnsigned(t);
    if (v === undefined) return new CodecError(`"${t}" is not a number`);
    if (v > max) return new CodecError(`${t} is out of range (0-${max})`);
    return v;
  },
  print: (v) => [String(v)],
};

/**
 * `-j TCPMSS --set-mss N | --clamp-mss-to-pmtu` (with `-p tcp`, on SYNs): lower the MSS option to N, or
 * to the path MTU less 40 (IPv4) or 60 (IPv6). It never raises it.
 */
export const TCPMSSSchema = moduleSchema({
  name: "TCPMSS",
  protocols: [6],
  options: {
    setMss: option(["--set-mss"], tcpMss),
    clampMssToPmtu: option(["--clamp-mss-to-pmtu"], flag),
  },
  check: (n) => exactlyOne(n, ["setMss", "clampMssToPmtu"], "one of --set-mss, --clamp-mss-to-pmtu"),
});
/** A `-j TCPMSS` target. */
export type TCPMSSTarget = NodeOf<typeof TCPMSSSchema>;

/** `-j TTL --ttl-set N | --ttl-dec N | --ttl-inc N` (IPv4, mangle table). */
export const TTLSchema = moduleSchema({
  name: "TTL",
  family: "ipv4",
  options: {
    ttlSet: option(["--ttl-set"], unsigned(0, 255)),
    ttlDec: option(["--ttl-dec"], unsigned(1, 255)),
    ttlInc: option(["--ttl-inc"], unsigned(1, 255)),
  },
  check: (n) => exactlyOne(n, ["ttlSet", "ttlDec", "ttlInc"], "one of --ttl-set, --ttl-dec, --ttl-inc"),
});
/** A `-j TTL` target. */
export type TTLTarget = NodeOf<typeof TTLSchema>;

/** `-j HL --hl-set N | --hl-dec N | --hl-inc N` (IPv6 hop limit, mangle table). */
export const HLSchema = moduleSchema({
  name: "HL",
  family: "ipv6",
  options: {
    hlSet: option(["--hl-set"], unsigned(0, 255)),
    hlDec: option(["--hl-dec"], unsigned(1, 255)),
    hlInc: option(["--hl-inc"], unsigned(1, 255)),
  },
  check: (n) => exactlyOne(n, ["hlSet", "hlDec", "hlInc"], "one of --hl-set, --hl-dec, --hl-inc"),
});
/** A `-j HL` target. */
export type HLTarget = NodeOf<typeof HLSchema>;

/** DiffServ class names `--set-dscp-class` takes, with their DSCP values (libxt_dscp_helper's table). */
export const dscpClassValues = {
  CS0: 0x00,
  CS1: 0x08,
  CS2: 0x10,
  CS3: 0x18,
  CS4: 0x20,
  CS5: 0x28,
  CS6: 0x30,
  CS7: 0x38,
  BE: 0x00,
  AF11: 0x0a,
  AF12: 0x0c,
  AF13: 0x0e,
  AF21: 0x12,
  AF22: 0x14,
  AF23: 0x16,
  AF31: 0x1a,
  AF32: 0x1c,
  AF33: 0x1e,
  AF41: 0x22,
  AF42: 0x24,
  AF43: 0x26,
  EF: 0x2e,
} as const;
/** A DiffServ class name. */
export type DscpClass = keyof typeof dscpClassValues;
const dscpClasses = Object.keys(dscpClassValues) as DscpClass[];

/**
 * `-j DSCP --set-dscp N | --set-dscp-class CLASS` (mangle table): set the 6-bit DSCP field. iptables-save
 * prints a class as its number (`--set-dscp 0x2e` for EF); the class is kept here as written.
 */
export const DSCPSchema = moduleSchema({
  name: "DSCP",
  options: {
    setDscp: option(["--set-dscp"], hexByte(0, 63)),
    setDscpClass: option(["--set-dscp-class"], keyword(dscpClasses, "DiffServ class")),
  },
  check: (n) => exactlyOne(n, ["setDscp", "setDscpClass"], "one of --set-dscp, --set-dscp-class"),
});
/** A `-j DSCP` target. */
export type DSCPTarget = NodeOf<typeof DSCPSchema>;

/** A TOS value with the mask of the bits to clear first: the field becomes `(tos & ~mask) ^ value`. */
export interface TosValueMask {
  readonly value: number;
  readonly mask: number;
}

/** IPv4 TOS names `--set-tos` takes (any case), with their values; a name implies mask 0x3f. */
export const tosSymbolValues: ReadonlyMap<string, number> = new Map([
  ["minimize-delay", 0x10],
  ["maximize-throughput", 0x08],
  ["maximize-reliability", 0x04],
  ["minimize-cost", 0x02],
  ["normal-service", 0x00],
]);

const cNumber = "(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)";
const tosNumbers = new RegExp(`^${cNumber}(?:/${cNumber})?$`);

/**
 * `--set-tos VALUE[/MASK]` (mask 0xff when absent) or a TOS name, which keeps the two precedence bits
 * (mask 0x3f). Printed as iptables-save does, `0xVV/0xMM`.
 */
export const tosValueMask: Codec<TosValueMask> = {
  domain: { type: "custom", name: "tosValueMask" },
  arity: 1,
  expected: "a TOS value[/mask] (8-bit numbers) or a name such as Minimize-Delay",
  parse: ([t = ""]) => {
    const m = tosNumbers.exec(t);
    if (m === null) {
      const symbol = tosSymbolValues.get(t.toLowerCase());
      if (symbol === undefined) return new CodecError(`"${t}" is not a TOS value[/mask] or one of Minimize-Delay, Maximize-Throughput, Maximize-Reliability, Minimize-Cost, Normal-Service`);
      return { value: symbol, mask: 0x3f };
    }
    const value = parseUnsigned(m[1] ?? "");
    const mask = m[2] === undefined ? 0xff : parseUnsigned(m[2]);
    if (value === undefined || value > 0xff) return new CodecError(`TOS value ${m[1] ?? ""} is out of range (0-0xff)`);
    if (mask === undefined || mask > 0xff) return new CodecError(`TOS mask ${m[2] ?? ""} is out of range (0-0xff)`);
    return { value, mask };
  },
  print: (v) => [`0x${v.value.toString(16).padStart(2, "0")}/0x${v.mask.toString(16).padStart(2, "0")}`],
};

/**
 * `-j TOS` (mangle table): `--set-tos V[/M]` sets the IPv4 TOS byte or the IPv6 traffic class to
 * `(tos & ~M) ^ V`; `--and-tos`, `--or-tos`, `--xor-tos` are its mnemonics, which iptables-save prints
 * as `--set-tos`.
 */
export const TOSSchema = moduleSchema({
  name: "TOS",
  options: {
    setTos: option(["--set-tos"], tosValueMask),
    andTos: option(["--and-tos"], hexByte(0, 255)),
    orTos: option(["--or-tos"], hexByte(0, 255)),
    xorTos: option(["--xor-tos"], hexByte(0, 255)),
  },
  check: (n) => exactlyOne(n, ["setTos", "andTos", "orTos", "xorTos"], "one of --set-tos, --and-tos, --or-tos, --xor-tos"),
});
/** A `-j TOS` target. */
export type TOSTarget = NodeOf<typeof TOSSchema>;

/**
 * `-j ECN` (IPv4, mangle table): `--ecn-tcp-remove` clears the TCP ECE and CWR bits (the same as
 * `--ecn-tcp-ece 0 --ecn-tcp-cwr 0`, which iptables-save writes as `--ecn-tcp-remove`); `--ecn-ip-ect`
 * sets the IP header's ECN field.
 */
export const ECNSchema = moduleSchema({
  name: "ECN",
  family: "ipv4",
  options: {
    ecnTcpRemove: option(["--ecn-tcp-remove"], flag),
    ecnTcpEce: option(["--ecn-tcp-ece"], unsigned(0, 1)),
    ecnTcpCwr: option(["--ecn-tcp-cwr"], unsigned(0, 1)),
    ecnIpEct: option(["--ecn-ip-ect"], unsigned(0, 3)),
  },
  check: (n) => {
    if (n.ecnTcpRemove === undefined && n.ecnTcpEce === undefined && n.ecnTcpCwr === undefined && n.ecnIpEct === undefined) return [{ message: "one of --ecn-tcp-remove, --ecn-tcp-ece, --ecn-tcp-cwr, --ecn-ip-ect is required" }];
    return [...atMostOne(n, ["ecnTcpRemove", "ecnTcpEce"]), ...atMostOne(n, ["ecnTcpRemove", "ecnTcpCwr"])].slice(0, 1);
  },
});
/** A `-j ECN` target. */
export type ECNTarget = NodeOf<typeof ECNSchema>;

/** `-j CHECKSUM --checksum-fill` (mangle table): compute the checksum of a packet that lacks one. */
export const CHECKSUMSchema = moduleSchema({
  name: "CHECKSUM",
  options: {
    checksumFill: option(["--checksum-fill"], flag),
  },
  check: (n) => (n.checksumFill === undefined ? [{ message: "--checksum-fill is required" }] : []),
});
/** A `-j CHECKSUM` target. */
export type CHECKSUMTarget = NodeOf<typeof CHECKSUMSchema>;

/** A traffic control class handle `MAJOR:MINOR`, 16 bits each. */
export interface ClassId {
  readonly major: number;
  readonly minor: number;
}

/** `MAJOR:MINOR`, both hexadecimal with or without `0x`, printed as iptables-save does (`0001:0234`). */
export const classId: Codec<ClassId> = {
  domain: { type: "custom", name: "classId" },
  arity: 1,
  expected: "a class MAJOR:MINOR (hexadecimal, 0-ffff each)",
  parse: ([t = ""]) => {
    const m = /^(?:0[xX])?([0-9a-fA-F]+):(?:0[xX])?([0-9a-fA-F]+)$/.exec(t);
    if (m === null) return new CodecError(`"${t}" is not a class MAJOR:MINOR`);
    const major = parseInt(m[1] ?? "", 16);
    const minor = parseInt(m[2] ?? "", 16);
    if (major > 0xffff || minor > 0xffff) return new CodecError(`class ${t} is out of range (each part 0-ffff)`);
    return { major, minor };
  },
  print: (c) => [`${c.major.toString(16).padStart(4, "0")}:${c.minor.toString(16).padStart(4, "0")}`],
};

/** `-j CLASSIFY --set-class MAJOR:MINOR`: set the packet's priority to a tc class. */
export const CLASSIFYSchema = moduleSchema({
  name: "CLASSIFY",
  options: {
    setClass: option(["--set-class"], classId),
  },
  check: (n) => (n.setClass === undefined ? [{ message: "--set-class is required" }] : []),
});
/** A `-j CLASSIFY` target. */
export type CLASSIFYTarget = NodeOf<typeof CLASSIFYSchema>;

/** `-j CONNSECMARK --save | --restore`: copy the security mark from packet to connection, or back. */
export const CONNSECMARKSchema = moduleSchema({
  name: "CONNSECMARK",
  options: {
    save: option(["--save"], flag),
    restore: option(["--restore"], flag),
  },
  check: (n) => exactlyOne(n, ["save", "restore"], "one of --save, --restore"),
});
/** A `-j CONNSECMARK` target. */
export type CONNSECMARKTarget = NodeOf<typeof CONNSECMARKSchema>;

/** `-j SECMARK --selctx CONTEXT`: set the packet's security mark from an SELinux context (at most 255 bytes). */
export const SECMARKSchema = moduleSchema({
  name: "SECMARK",
  options: {
    selctx: option(["--selctx"], name(255, "security context")),
  },
  check: (n) => (n.selctx === undefined ? [{ message: "--selctx is required" }] : []),
});
/** A `-j SECMARK` target. */
export type SECMARKTarget = NodeOf<typeof SECMARKSchema>;

/** TCP option names `--strip-options` takes (exact case), with their kinds. */
export const tcpOptionKinds: ReadonlyMap<string, number> = new Map([
  ["mss", 2],
  ["wscale", 3],
  ["sack-permitted", 4],
  ["sack", 5],
  ["timestamp", 8],
  ["md5", 19],
]);

/**
 * `OPTION[,OPTION...]`: TCP option kinds 2-255 by number or name, each at most once. Stored in ascending
 * order, as iptables-save prints them (as numbers).
 */
export const tcpOptionList: Codec<readonly number[]> = {
  domain: { type: "custom", name: "tcpOptionList" },
  arity: 1,
  expected: `a comma-separated list of TCP option kinds (2-255 or ${[...tcpOptionKinds.keys()].join(", ")})`,
  parse: ([t = ""]) => {
    const kinds = new Set<number>();
    for (const part of t.split(",")) {
      const kind = tcpOptionKinds.get(part) ?? parseUnsigned(part);
      if (kind === undefined || kind > 255) return new CodecError(`bad TCP option "${part}"`);
      if (kind < 2) return new CodecError(`TCP option ${kind} (end of list, no-op) cannot be stripped`);
      if (kinds.has(kind)) return new CodecError(`TCP option ${part} is given twice`);
      kinds.add(kind);
    }
    return [...kinds].sort((a, b) => a - b);
  },
  print: (ks) => [ks.join(",")],
};

/** `-j TCPOPTSTRIP [--strip-options OPTION,...]` (with `-p tcp`, mangle): overwrite the given TCP options with no-ops. */
export const TCPOPTSTRIPSchema = moduleSchema({
  name: "TCPOPTSTRIP",
  options: {
    stripOptions: option(["--strip-options"], tcpOptionList),
  },
});
/** A `-j TCPOPTSTRIP` target. */
export type TCPOPTSTRIPTarget = NodeOf<typeof TCPOPTSTRIPSchema>;
