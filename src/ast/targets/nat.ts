/**
 * Address translation targets: DNAT, SNAT, MASQUERADE, REDIRECT, NETMAP, and IPv6 prefix translation: SNPT, DNPT.
 *
 * Ports are read as libxt_NAT reads them: a number (C `strtoul` with base 0, so `0x50` is 80 and `080` is
 * garbage) or, for a single port and for DNAT's base port, a service name; ranges use `-`, never `:`.
 * @module
 */
import { type HostAddress, type NumberRange, flag, parseHost, parseUnsigned } from "../codecs.js";
import { type PrefixAddress, parseAddressMatch, parseIP } from "../address.js";
import { portByService } from "../names.js";
import { type Codec, CodecError, type NodeOf, moduleSchema, natPortsNeedProtocol, option } from "../schema.js";

/**
 * A NAT port range. `base` is DNAT's `/BASEPORT` (kernel 4.18+): the original port minus `base` is used
 * as the offset into the range, which maps a block of ports onto another block.
 */
export interface NatPortRange extends NumberRange {
  readonly base?: number;
}

/** A NAT destination: an address range, a port range, or both (`1.2.3.4-1.2.3.9:80-90`, `[fe80::1]:80`). */
export interface NatRange {
  readonly addresses?: { readonly from: HostAddress; readonly to: HostAddress };
  readonly ports?: NatPortRange;
}

/** A number at the start of a word as `strtoul(s, &end, 0)` reads it: hex, octal (leading 0) or decimal. */
const leadingNumber = /^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)(.*)$/s;

/**
 * Reads a port at the start of `text`: a number, followed by whatever is left, or (when `service` is
 * `service-name`) a whole word that is a service name. A service name cannot be followed by anything,
 * because iptables only tries the services table when no number starts the word.
 */
function readPort(text: string, service: "service-name" | "number-only"): { readonly port: number; readonly rest: string } | CodecError {
  const m = leadingNumber.exec(text);
  if (m !== null) {
    const digits = m[1] ?? "";
    const port = parseUnsigned(digits);
    if (port === undefined || port > 65535) return new CodecError(`port ${digits} is out of range (0-65535)`);
    return { port, rest: m[2] ?? "" };
  }
  const byName = service === "service-name" ? portByService.get(text.toLowerCase()) : undefined;
  if (byName === undefined) return new CodecError(text === "" ? "a port is missing" : `"${text}" is not a port number${service === "service-name" ? " or service name" : ""}`);
  return { port: byName, rest: "" };
}

/** Parses `PORT[-PORT]`, and `/BASE` after a range when `base` is `with-base`. */
function parsePortSpec(text: string, base: "with-base" | "without-base"): NatPortRange | CodecError {
  const first = readPort(text, "service-name");
  if (first instanceof CodecError) return first;
  if (first.rest === "") return { from: first.port, to: first.port };
  if (first.rest.startsWith(":")) return new CodecError(`"${text}": write a port range as PORT-PORT, not PORT:PORT`);
  if (!first.rest.startsWith("-")) return new CodecError(`unexpected "${first.rest}" after port ${first.port}`);
  const second = readPort(first.rest.slice(1), "number-only");
  if (second instanceof CodecError) return second;
  if (second.port < first.port) return new CodecError(`port range ${first.port}-${second.port} is empty`);
  const range = { from: first.port, to: second.port };
  if (second.rest === "") return range;
  if (!second.rest.startsWith("/")) return new CodecError(`unexpected "${second.rest}" after port range ${first.port}-${second.port}`);
  if (base === "without-base") return new CodecError(`"${text}": only DNAT takes a /BASEPORT`);
  const b = readPort(second.rest.slice(1), "service-name");
  if (b instanceof CodecError) return b;
  if (b.rest !== "") return new CodecError(`unexpected "${b.rest}" after base port ${b.port}`);
  return { ...range, base: b.port };
}

/**
 * Prints ports as iptables-save does, except that a one-port range with a base port is written `P-P/B`:
 * iptables-save writes `P/B` there, which iptables itself then refuses to read.
 */
function printPortSpec(p: NatPortRange): string {
  if (p.base !== undefined) return `${p.from}-${p.to}/${p.base}`;
  return p.from === p.to ? String(p.from) : `${p.from}-${p.to}`;
}

function parseAddrPart(t: string, family: HostAddress["family"] | undefined): NatRange["addresses"] | CodecError {
  const dash = t.indexOf("-");
  const from = parseHost(dash === -1 ? t : t.slice(0, dash), family);
  if (from instanceof CodecError) return from;
  const to = dash === -1 ? from : parseHost(t.slice(dash + 1), from.family);
  if (to instanceof CodecError) return to;
  if ((parseIP(from.address)?.value ?? 0n) > (parseIP(to.address)?.value ?? 0n)) return new CodecError(`address range ${t} is empty`);
  return { from, to };
}

/**
 * `[ADDR[-ADDR]][:PORT[-PORT][/BASE]]`, with IPv6 addresses in brackets when a port follows. An unbracketed
 * word with more than one `:` is an IPv6 address (`fec0::1:80` is an address, as in iptables).
 */
function natRangeCodec(base: "with-base" | "without-base"): Codec<NatRange> {
  return {
    domain: { type: "custom", name: base === "with-base" ? "dnatRange" : "natRange" },
    arity: 1,
    expected: `ADDR[-ADDR][:PORT[-PORT${base === "with-base" ? "[/BASE]" : ""}]] (IPv6 as [ADDR]:PORT)`,
    parse: ([t = ""], cx) => {
      let addrText: string;
      let portText: string | undefined;
      if (t.startsWith("[")) {
        const close = t.indexOf("]");
        if (close === -1) return new CodecError(`missing "]" in ${t}`);
        addrText = t.slice(1, close);
        const rest = t.slice(close + 1);
        if (rest !== "" && !rest.startsWith(":")) return new CodecError(`expected ":PORT" after "]" in ${t}`);
        portText = rest === "" ? undefined : rest.slice(1);
      } else if ((t.match(/:/g) ?? []).length === 1) {
        const i = t.indexOf(":");
        addrText = t.slice(0, i);
        portText = t.slice(i + 1);
      } else {
        addrText = t;
      }
      const out: { addresses?: NatRange["addresses"]; ports?: NatPortRange } = {};
      if (addrText !== "") {
        const a = parseAddrPart(addrText, cx.family);
        if (a instanceof CodecError) return a;
        out.addresses = a;
      }
      if (portText !== undefined) {
        const p = parsePortSpec(portText, base);
        if (p instanceof CodecError) return p;
        out.ports = p;
      }
      if (out.addresses === undefined && out.ports === undefined) return new CodecError("an address or a port is required");
      return out;
    },
    print: (r) => {
      const a = r.addresses;
      const addr = a === undefined ? "" : a.from.address === a.to.address ? a.from.address : `${a.from.address}-${a.to.address}`;
      if (r.ports === undefined) return [addr];
      const ports = printPortSpec(r.ports);
      return [a?.from.family === "ipv6" ? `[${addr}]:${ports}` : `${addr}:${ports}`];
    },
  };
}

/** SNAT's `--to-source`: `[ADDR[-ADDR]][:PORT[-PORT]]`. */
export const natRange: Codec<NatRange> = natRangeCodec("without-base");

/** DNAT's `--to-destination`: `[ADDR[-ADDR]][:PORT[-PORT[/BASE]]]`. */
export const dnatRange: Codec<NatRange> = natRangeCodec("with-base");

/** A port range written `A[-B]`, as MASQUERADE and REDIRECT take it (a single port may be a service name). */
export const natPortRange: Codec<NumberRange> = {
  domain: { type: "range", min: 0, max: 65535 },
  arity: 1,
  expected: "a port or port range PORT[-PORT]",
  parse: ([t = ""]) => parsePortSpec(t, "without-base"),
  print: (r) => [printPortSpec(r)],
};

/** A network `ADDR/LEN` (or a contiguous netmask), stored with the host bits cleared, as NETMAP takes it. */
export const prefixAddress: Codec<PrefixAddress> = {
  domain: { type: "custom", name: "prefixAddress" },
  arity: 1,
  expected: "ADDRESS[/LENGTH] or ADDRESS/NETMASK (contiguous)",
  parse: ([t = ""], cx) => {
    const a = parseAddressMatch(t);
    if (typeof a === "string") return new CodecError(a);
    if (cx.family !== undefined && a.family !== cx.family) return new CodecError(`${t} is an ${a.family} address in an ${cx.family} ruleset`);
    if (a.kind === "mask") return new CodecError(`netmask ${a.mask} is not contiguous; NETMAP needs a prefix`);
    return a;
  },
  print: (a) => [`${a.address}/${a.length}`],
};

/** `-j DNAT --to-destination RANGE [--random] [--persistent]`. */
export const DNATSchema = moduleSchema({
  name: "DNAT",
  options: {
    toDestination: option(["--to-destination", "--to"], dnatRange),
    random: option(["--random"], flag),
    persistent: option(["--persistent"], flag),
  },
  check: (n, rule) =>
    n.toDestination === undefined ? [{ message: "--to-destination is required" }] : natPortsNeedProtocol("toDestination", n.toDestination.value.ports !== undefined, rule),
});
/** A `-j DNAT` target. */
export type DNATTarget = NodeOf<typeof DNATSchema>;

/** `-j SNAT --to-source RANGE [--random] [--random-fully] [--persistent]`. */
export const SNATSchema = moduleSchema({
  name: "SNAT",
  options: {
    toSource: option(["--to-source", "--to"], natRange),
    random: option(["--random"], flag),
    randomFully: option(["--random-fully"], flag),
    persistent: option(["--persistent"], flag),
  },
  check: (n, rule) => (n.toSource === undefined ? [{ message: "--to-source is required" }] : natPortsNeedProtocol("toSource", n.toSource.value.ports !== undefined, rule)),
});
/** A `-j SNAT` target. */
export type SNATTarget = NodeOf<typeof SNATSchema>;

/** `-j MASQUERADE [--to-ports P[-P]] [--random] [--random-fully]`. */
export const MASQUERADESchema = moduleSchema({
  name: "MASQUERADE",
  options: {
    toPorts: option(["--to-ports"], natPortRange),
    random: option(["--random"], flag),
    randomFully: option(["--random-fully"], flag),
  },
  check: (n, rule) => natPortsNeedProtocol("toPorts", n.toPorts !== undefined, rule),
});
/** A `-j MASQUERADE` target. */
export type MASQUERADETarget = NodeOf<typeof MASQUERADESchema>;

/**
 * `-j REDIRECT [--to-ports P[-P]] [--random]`: DNAT to the incoming interface's primary address (or the
 * loopback address for locally generated packets), keeping the port unless `--to-ports` is given.
 */
export const REDIRECTSchema = moduleSchema({
  name: "REDIRECT",
  options: {
    toPorts: option(["--to-ports"], natPortRange),
    random: option(["--random"], flag),
  },
  check: (n, rule) => natPortsNeedProtocol("toPorts", n.toPorts !== undefined, rule),
});
/** A `-j REDIRECT` target. */
export type REDIRECTTarget = NodeOf<typeof REDIRECTSchema>;

/**
 * `-j NETMAP --to ADDR/LEN`: rewrites the network part of the address (the destination in PREROUTING and
 * OUTPUT, the source in POSTROUTING and INPUT) and keeps the host part.
 */
export const NETMAPSchema = moduleSchema({
  name: "NETMAP",
  options: {
    to: option(["--to"], prefixAddress),
  },
  check: (n) => (n.to === undefined ? [{ message: "--to is required" }] : []),
});
/** A `-j NETMAP` target. */
export type NETMAPTarget = NodeOf<typeof NETMAPSchema>;

/**
 * An IPv6 prefix for network prefix translation: `ADDR/LEN` with LEN at most 64 and no host bits set,
 * which the kernel requires (it refuses the rule otherwise, so this refuses the text instead).
 */
export const nptPrefix: Codec<PrefixAddress> = {
  domain: { type: "custom", name: "nptPrefix" },
  arity: 1,
  expected: "an IPv6 prefix ADDRESS/LENGTH (length 0-64)",
  parse: ([t = ""]) => {
    const slash = t.indexOf("/");
    const addr = parseIP(slash === -1 ? t : t.slice(0, slash));
    const a = parseAddressMatch(t);
    if (typeof a === "string") return new CodecError(a);
    if (a.family !== "ipv6" || addr === undefined) return new CodecError(`${t} is not an IPv6 prefix`);
    if (a.kind === "mask") return new CodecError(`netmask ${a.mask} is not contiguous`);
    if (a.length > 64) return new CodecError(`prefix length ${a.length} is longer than 64`);
    if (parseIP(a.address)?.value !== addr.value) return new CodecError(`${t} has bits set past its /${a.length}`);
    return a;
  },
  print: (a) => [`${a.address}/${a.length}`],
};

/** `-j SNPT --src-pfx PREFIX --dst-pfx PREFIX` (IPv6, mangle): stateless source prefix translation (RFC 6296). */
export const SNPTSchema = moduleSchema({
  name: "SNPT",
  family: "ipv6",
  options: {
    srcPfx: option(["--src-pfx"], nptPrefix),
    dstPfx: option(["--dst-pfx"], nptPrefix),
  },
  check: (n) => [...(n.srcPfx === undefined ? [{ message: "--src-pfx is required" }] : []), ...(n.dstPfx === undefined ? [{ message: "--dst-pfx is required" }] : [])],
});
/** A `-j SNPT` target. */
export type SNPTTarget = NodeOf<typeof SNPTSchema>;

/** `-j DNPT --src-pfx PREFIX --dst-pfx PREFIX` (IPv6, mangle): stateless destination prefix translation, SNPT's inverse. */
export const DNPTSchema = moduleSchema({
  name: "DNPT",
  family: "ipv6",
  options: {
    srcPfx: option(["--src-pfx"], nptPrefix),
    dstPfx: option(["--dst-pfx"], nptPrefix),
  },
  check: (n) => [...(n.srcPfx === undefined ? [{ message: "--src-pfx is required" }] : []), ...(n.dstPfx === undefined ? [{ message: "--dst-pfx is required" }] : [])],
});
/** A `-j DNPT` target. */
export type DNPTTarget = NodeOf<typeof DNPTSchema>;
