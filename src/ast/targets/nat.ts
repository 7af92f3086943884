/**
 * Address translation targets: DNAT, SNAT, MASQUERADE.
 * @module
 */
import { type HostAddress, type NumberRange, flag, parsePort, parseHost, parseRange, printRange } from "../codecs.js";
import { parseIP } from "../address.js";
import { type Codec, CodecError, type NodeOf, moduleSchema, option } from "../schema.js";

/** A NAT destination: an address range, a port range, or both (`1.2.3.4-1.2.3.9:80-90`, `[fe80::1]:80`). */
export interface NatRange {
  readonly addresses?: { readonly from: HostAddress; readonly to: HostAddress };
  readonly ports?: NumberRange;
}

function parsePortPart(t: string): NumberRange | CodecError {
  return parseRange(t, 0, 65535, "-", parsePort, "port");
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

/** `[ADDR[-ADDR]][:PORT[-PORT]]`, with IPv6 addresses in brackets when a port follows. */
export const natRange: Codec<NatRange> = {
  domain: { type: "custom", name: "natRange" },
  arity: 1,
  expected: "ADDR[-ADDR][:PORT[-PORT]] (IPv6 as [ADDR]:PORT)",
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
    } else if ((t.match(/:/g) ?? []).length === 1 || t.startsWith(":")) {
      const i = t.indexOf(":");
      addrText = t.slice(0, i);
      portText = t.slice(i + 1);
    } else {
      addrText = t;
    }
    const out: { addresses?: NatRange["addresses"]; ports?: NumberRange } = {};
    if (addrText !== "") {
      const a = parseAddrPart(addrText, cx.family);
      if (a instanceof CodecError) return a;
      out.addresses = a;
    }
    if (portText !== undefined) {
      const p = parsePortPart(portText);
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
    const ports = printRange(r.ports, "-");
    return [a?.from.family === "ipv6" ? `[${addr}]:${ports}` : `${addr}:${ports}`];
  },
};

/** A port range written `A[-B]`, as MASQUERADE and REDIRECT take it. */
export const natPortRange: Codec<NumberRange> = {
  domain: { type: "range", min: 0, max: 65535 },
  arity: 1,
  expected: "a port or port range PORT[-PORT]",
  parse: ([t = ""]) => parsePortPart(t),
  print: (r) => [printRange(r, "-")],
};

/** `-j DNAT --to-destination RANGE [--random] [--persistent]`. */
export const DNATSchema = moduleSchema({
  name: "DNAT",
  options: {
    toDestination: option(["--to-destination", "--to"], natRange),
    random: option(["--random"], flag),
    persistent: option(["--persistent"], flag),
  },
  check: (n) => (n.toDestination === undefined ? [{ message: "--to-destination is required" }] : []),
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
  check: (n) => (n.toSource === undefined ? [{ message: "--to-source is required" }] : []),
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
});
/** A `-j MASQUERADE` target. */
export type MASQUERADETarget = NodeOf<typeof MASQUERADESchema>;
