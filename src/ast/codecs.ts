/**
 * Codecs for the kinds of values iptables options take: numbers, ranges, ports, marks, addresses,
 * interface names, lists of keywords. Each parses the words iptables accepts and prints the words
 * iptables-save writes.
 * @module
 */
import { type AddressMatch, type Family, formatAddressMatch, formatIP, maskLength, parseAddressMatch, parseIP } from "./address.js";
import { type Codec, CodecError } from "./schema.js";
import { portByService } from "./names.js";

/** Parses a C-style unsigned integer (decimal, `0x` hex, or leading-0 octal as strtoul with base 0). */
export function parseUnsigned(text: string): number | undefined {
  let v: number;
  if (/^0[xX][0-9a-fA-F]+$/.test(text)) v = parseInt(text.slice(2), 16);
  else if (/^0[0-7]+$/.test(text)) v = parseInt(text.slice(1), 8);
  else if (/^\d+$/.test(text)) v = parseInt(text, 10);
  else return undefined;
  return Number.isSafeInteger(v) ? v : undefined;
}

/** Hexadecimal with `0x`, as iptables-save prints marks. */
export function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

/** A flag: an option with no arguments. */
export const flag: Codec<true> = {
  domain: { type: "flag" },
  arity: 0,
  expected: "no argument",
  parse: () => true,
  print: () => [],
};

/** An unsigned integer in `[min, max]`, printed in decimal or hex. */
export function unsigned(min: number, max: number, style: "decimal" | "hex" = "decimal"): Codec<number> {
  return {
    domain: { type: "uint", min, max },
    arity: 1,
    expected: `a number from ${min} to ${max}`,
    parse: ([t = ""]) => {
      const v = parseUnsigned(t);
      if (v === undefined) return new CodecError(`"${t}" is not a number`);
      if (v < min || v > max) return new CodecError(`${t} is out of range (${min}-${max})`);
      return v;
    },
    print: (v) => [style === "hex" ? hex(v) : String(v)],
  };
}

/** An inclusive range of unsigned integers. */
export interface NumberRange {
  readonly from: number;
  readonly to: number;
}

/** Parses `A`, `A:B`, `A:` or `:B` (or with `sep`) into a range inside `[min, max]`. */
export function parseRange(text: string, min: number, max: number, sep: string, item: (s: string) => number | undefined, what: string): NumberRange | CodecError {
  const i = text.indexOf(sep);
  const parts = i === -1 ? [text, text] : [text.slice(0, i), text.slice(i + sep.length)];
  const [a = "", b = ""] = parts;
  const from = a === "" && i !== -1 ? min : item(a);
  const to = b === "" && i !== -1 ? max : item(b);
  if (from === undefined) return new CodecError(`"${a}" is not a valid ${what}`);
  if (to === undefined) return new CodecError(`"${b}" is not a valid ${what}`);
  if (from < min || from > max) return new CodecError(`${from} is out of range for a ${what} (${min}-${max})`);
  if (to < min || to > max) return new CodecError(`${to} is out of range for a ${what} (${min}-${max})`);
  if (from > to) return new CodecError(`range ${text} is empty: ${from} is greater than ${to}`);
  return { from, to };
}

/** Prints a range as `A` when it holds one value, else `A:B`. */
export function printRange(r: NumberRange, sep = ":", style: "decimal" | "hex" = "decimal"): string {
  const f = (n: number): string => (style === "hex" ? hex(n) : String(n));
  return r.from === r.to ? f(r.from) : `${f(r.from)}${sep}${f(r.to)}`;
}

/** A range of unsigned integers `A[:B]`. */
export function unsignedRange(min: number, max: number, what = "number", style: "decimal" | "hex" = "decimal"): Codec<NumberRange> {
  return {
    domain: { type: "range", min, max },
    arity: 1,
    expected: `a ${what} or range ${what}:${what} within ${min}-${max}`,
    parse: ([t = ""]) => parseRange(t, min, max, ":", parseUnsigned, what),
    print: (r) => [printRange(r, ":", style)],
  };
}

/** Parses a port number or a service name from the services table. */
export function parsePort(text: string): number | undefined {
  const n = parseUnsigned(text);
  if (n !== undefined) return n;
  return portByService.get(text.toLowerCase());
}

/** A port or port range (`80`, `1024:65535`, `:1023`, `http`). */
export const portRange: Codec<NumberRange> = {
  domain: { type: "range", min: 0, max: 65535 },
  arity: 1,
  expected: "a port or port range (PORT[:PORT])",
  parse: ([t = ""]) => parseRange(t, 0, 65535, ":", parsePort, "port"),
  print: (r) => [printRange(r)],
};

/**
 * A comma-separated list of ports and port ranges, as multiport takes (at most 15 ports, ranges count
 * twice). Unlike `--dport`, libxt_multiport wants both ends of a range and the first below the second.
 */
export const portList: Codec<readonly NumberRange[]> = {
  domain: { type: "list", item: { type: "range", min: 0, max: 65535 }, maxItems: 7 },
  arity: 1,
  expected: "a comma-separated list of ports or port ranges",
  parse: ([t = ""]) => {
    const out: NumberRange[] = [];
    for (const part of t.split(",")) {
      const r = parseRange(part, 0, 65535, ":", parsePort, "port");
      if (r instanceof CodecError) return r;
      const [a, b] = part.split(":");
      if (b !== undefined && (a === "" || b === "" || r.from === r.to)) return new CodecError(`"${part}" is not a port range FIRST:LAST with FIRST below LAST`);
      out.push(r);
    }
    const slots = out.reduce((n, r) => n + (r.from === r.to ? 1 : 2), 0);
    if (slots > 15) return new CodecError(`too many ports: multiport takes at most 15 (a range counts as 2), got ${slots}`);
    return out;
  },
  print: (rs) => [rs.map((r) => printRange(r)).join(",")],
};

/** A mark or connmark with its mask. A value without mask has mask 0xffffffff. */
export interface MarkMask {
  readonly value: number;
  readonly mask: number;
}

/** `VALUE[/MASK]`, 32-bit each. */
export const markMask: Codec<MarkMask> = {
  domain: { type: "custom", name: "markMask" },
  arity: 1,
  expected: "a value or value/mask (32-bit numbers)",
  parse: ([t = ""]) => {
    const [v = "", m, ...rest] = t.split("/");
    if (rest.length > 0) return new CodecError(`"${t}" is not VALUE[/MASK]`);
    const value = parseUnsigned(v);
    const mask = m === undefined ? 0xffffffff : parseUnsigned(m);
    if (value === undefined || value > 0xffffffff) return new CodecError(`"${v}" is not a 32-bit number`);
    if (mask === undefined || mask > 0xffffffff) return new CodecError(`"${m ?? ""}" is not a 32-bit mask`);
    return { value, mask };
  },
  print: (mm) => [mm.mask === 0xffffffff ? hex(mm.value) : `${hex(mm.value)}/${hex(mm.mask)}`],
};

/** A 32-bit value that must be given with a mask (`--set-xmark V/M`); printed always with its mask. */
export const markWithMask: Codec<MarkMask> = {
  ...markMask,
  domain: { type: "custom", name: "markWithMask" },
  print: (mm) => [`${hex(mm.value)}/${hex(mm.mask)}`],
};

/** Free text, such as a comment or a log prefix, of at most `maxLength` bytes. */
export function text(maxLength: number, what = "text"): Codec<string> {
  return {
    domain: { type: "text", maxLength },
    arity: 1,
    expected: what,
    parse: ([t = ""]) => {
      const bytes = Buffer.byteLength(t, "utf8");
      return bytes > maxLength ? new CodecError(`${what} is ${bytes} bytes long; at most ${maxLength} are allowed`) : t;
    },
    print: (t) => [t],
  };
}

/** A name such as a set or chain name: non-empty, no whitespace, at most `maxLength` bytes. */
export function name(maxLength: number, what = "name"): Codec<string> {
  return {
    domain: { type: "name", maxLength },
    arity: 1,
    expected: what,
    parse: ([t = ""]) => {
      if (t === "") return new CodecError(`${what} must not be empty`);
      if (Buffer.byteLength(t) > maxLength) return new CodecError(`${what} "${t}" is longer than ${maxLength} bytes`);
      return t;
    },
    print: (t) => [t],
  };
}

/**
 * One keyword out of `words`, stored and printed as spelled in `words`. Matched case-insensitively unless
 * `letterCase` is `exact-case` (iptables compares some keywords with strcmp: `--connbytes-dir both`).
 */
export function keyword<const W extends string>(words: readonly W[], what = "keyword", letterCase: "any-case" | "exact-case" = "any-case"): Codec<W> {
  const key = (w: string): string => (letterCase === "any-case" ? w.toLowerCase() : w);
  const byKey = new Map(words.map((w) => [key(w), w]));
  return {
    domain: { type: "keyword", words },
    arity: 1,
    expected: `${what}: one of ${words.join(", ")}`,
    parse: ([t = ""]) => byKey.get(key(t)) ?? new CodecError(`"${t}" is not a valid ${what} (one of ${words.join(", ")})`),
    print: (w) => [w],
  };
}

/** A comma-separated list of keywords, stored in the order given, without duplicates. */
export function keywordList<const W extends string>(words: readonly W[], what = "keyword"): Codec<readonly W[]> {
  const byLower = new Map(words.map((w) => [w.toLowerCase(), w]));
  return {
    domain: { type: "keywordList", words },
    arity: 1,
    expected: `a comma-separated list of ${what}s (${words.join(", ")})`,
    parse: ([t = ""]) => {
      const out: W[] = [];
      for (const part of t.split(",")) {
        const w = byLower.get(part.toLowerCase());
        if (w === undefined) return new CodecError(`"${part}" is not a valid ${what} (one of ${words.join(", ")})`);
        if (!out.includes(w)) out.push(w);
      }
      return out;
    },
    print: (ws) => [ws.join(",")],
  };
}

/** An address with optional prefix or mask (`10.0.0.0/8`). */
export const addressMatch: Codec<AddressMatch> = {
  domain: { type: "custom", name: "addressMatch" },
  arity: 1,
  expected: "an address, ADDRESS/LENGTH or ADDRESS/MASK",
  parse: ([t = ""], cx) => {
    const a = parseAddressMatch(t);
    if (typeof a === "string") return new CodecError(a);
    if (cx.family !== undefined && a.family !== cx.family) return new CodecError(`${t} is an ${a.family} address in an ${cx.family} ruleset`);
    return a;
  },
  print: (a) => [formatAddressMatch(a)],
};

/** A single address, canonical text, with its family. */
export interface HostAddress {
  readonly family: Family;
  readonly address: string;
}

/** Parses one address, checking the family when the context knows it. */
export function parseHost(t: string, family: Family | undefined): HostAddress | CodecError {
  const ip = parseIP(t);
  if (ip === undefined) return new CodecError(`"${t}" is not an IPv4 or IPv6 address`);
  if (family !== undefined && ip.family !== family) return new CodecError(`${t} is an ${ip.family} address in an ${family} ruleset`);
  return { family: ip.family, address: formatIP(ip.family, ip.value) };
}

/** A single address without prefix. */
export const hostAddress: Codec<HostAddress> = {
  domain: { type: "custom", name: "hostAddress" },
  arity: 1,
  expected: "an IPv4 or IPv6 address",
  parse: ([t = ""], cx) => parseHost(t, cx.family),
  print: (a) => [a.address],
};

/** An inclusive range of addresses, `A-B`. */
export interface AddressRange {
  readonly family: Family;
  readonly from: string;
  readonly to: string;
}

/** `ADDR[-ADDR]`, as iprange takes. */
export const addressRange: Codec<AddressRange> = {
  domain: { type: "custom", name: "addressRange" },
  arity: 1,
  expected: "an address range FROM-TO",
  parse: ([t = ""], cx) => {
    const [a = "", b, ...rest] = t.split("-");
    if (rest.length > 0) return new CodecError(`"${t}" is not FROM-TO`);
    const from = parseHost(a, cx.family);
    if (from instanceof CodecError) return from;
    const to = parseHost(b ?? a, from.family);
    if (to instanceof CodecError) return to;
    const fv = parseIP(from.address)?.value ?? 0n;
    const tv = parseIP(to.address)?.value ?? 0n;
    if (fv > tv) return new CodecError(`range ${t} is empty: ${from.address} is after ${to.address}`);
    return { family: from.family, from: from.address, to: to.address };
  },
  print: (r) => [`${r.from}-${r.to}`],
};

/** An interface name as `-i`/`-o` take it; a trailing `+` matches every name with that prefix. */
export interface InterfaceName {
  readonly name: string;
  readonly wildcard: boolean;
}

/** Interface name, at most 15 bytes, `+` suffix for a prefix match. */
export const interfaceName: Codec<InterfaceName> = {
  domain: { type: "custom", name: "interfaceName" },
  arity: 1,
  expected: "an interface name (a trailing + matches any suffix)",
  parse: ([t = ""]) => {
    const wildcard = t.endsWith("+");
    const n = wildcard ? t.slice(0, -1) : t;
    if (Buffer.byteLength(n) > 15) return new CodecError(`interface name "${t}" is longer than 15 bytes`);
    if (!wildcard && n === "") return new CodecError("interface name must not be empty");
    return { name: n, wildcard };
  },
  print: (i) => [i.wildcard ? `${i.name}+` : i.name],
};

/** A rate as limit and hashlimit take it (`10/min`). */
export interface Rate {
  readonly count: number;
  readonly per: "second" | "minute" | "hour" | "day";
}

const rateUnits: readonly [string, Rate["per"]][] = [
  ["second", "second"],
  ["minute", "minute"],
  ["hour", "hour"],
  ["day", "day"],
];

/** Parses `N[/unit]`, where unit is any prefix of second, minute, hour, day (default second). */
export function parseRate(t: string): Rate | undefined {
  const [n = "", u, ...rest] = t.split("/");
  if (rest.length > 0) return undefined;
  const count = parseUnsigned(n);
  if (count === undefined) return undefined;
  if (u === undefined) return { count, per: "second" };
  const unit = rateUnits.find(([full]) => u.length > 0 && full.startsWith(u.toLowerCase()));
  return unit ? { count, per: unit[1] } : undefined;
}

const rateAbbrev: Record<Rate["per"], string> = { second: "sec", minute: "min", hour: "hour", day: "day" };

/** A rate `N/unit`. */
export const rate: Codec<Rate> = {
  domain: { type: "custom", name: "rate" },
  arity: 1,
  expected: "a rate N/second, N/minute, N/hour or N/day",
  parse: ([t = ""]) => {
    const r = parseRate(t);
    if (r === undefined) return new CodecError(`"${t}" is not a rate like 10/second`);
    if (r.count === 0) return new CodecError("a rate must be greater than zero");
    return r;
  },
  print: (r) => [`${r.count}/${rateAbbrev[r.per]}`],
};

/** A codec for two words read as one value, such as `--tcp-flags MASK COMP`. */
export function pair<A, B>(first: Codec<A>, second: Codec<B>, expected: string): Codec<readonly [A, B]> {
  return {
    domain: { type: "pair", first: first.domain, second: second.domain },
    arity: 2,
    expected,
    parse: ([a = "", b = ""], cx) => {
      const x = first.parse([a], cx);
      if (x instanceof CodecError) return x;
      const y = second.parse([b], cx);
      if (y instanceof CodecError) return new CodecError(y.message, 1);
      return [x, y] as const;
    },
    print: ([x, y]) => [...first.print(x), ...second.print(y)],
  };
}

/** The largest unsigned 64-bit integer. */
export const maxUint64 = 0xffff_ffff_ffff_ffffn;

/** Parses a C-style unsigned integer (as {@link parseUnsigned}) exactly, up to 2^64 - 1. */
export function parseUnsigned64(text: string): bigint | undefined {
  let v: bigint;
  if (/^0[xX][0-9a-fA-F]+$/.test(text)) v = BigInt(text);
  else if (/^0[0-7]+$/.test(text)) v = BigInt(`0o${text.slice(1)}`);
  else if (/^\d+$/.test(text)) v = BigInt(text);
  else return undefined;
  return v <= maxUint64 ? v : undefined;
}

/** An unsigned 64-bit integer (byte and packet counts), kept as a bigint so every value is exact. */
export const unsigned64: Codec<bigint> = {
  domain: { type: "custom", name: "uint64" },
  arity: 1,
  expected: "a number from 0 to 18446744073709551615",
  parse: ([t = ""]) => parseUnsigned64(t) ?? new CodecError(`"${t}" is not a number from 0 to 18446744073709551615`),
  print: (v) => [v.toString()],
};

/**
 * A comma-separated set of keywords, stored without repeats in the order of `words`, which is the order
 * iptables-save prints the bits of a mask in (`--ctstate ESTABLISHED,NEW` is saved as `NEW,ESTABLISHED`).
 * `domain` names the custom domain of its values: non-empty subsets of `words`, in `words` order.
 */
export function keywordSet<const W extends string>(words: readonly W[], what: string, domain: string, letterCase: "any-case" | "exact-case" = "any-case"): Codec<readonly W[]> {
  const key = (w: string): string => (letterCase === "any-case" ? w.toLowerCase() : w);
  const byKey = new Map(words.map((w) => [key(w), w]));
  return {
    domain: { type: "custom", name: domain },
    arity: 1,
    expected: `a comma-separated list of ${what}s (${words.join(", ")})`,
    parse: ([t = ""]) => {
      const seen = new Set<W>();
      for (const part of t.split(",")) {
        const w = byKey.get(key(part));
        if (w === undefined) return new CodecError(`"${part}" is not a valid ${what} (one of ${words.join(", ")})`);
        seen.add(w);
      }
      return words.filter((w) => seen.has(w));
    },
    print: (ws) => [ws.join(",")],
  };
}

/**
 * A prefix length (`--hashlimit-srcmask 24`, `--connlimit-mask 255.255.255.0`): 0-32 for IPv4, 0-128 for
 * IPv6 (or when the family is unknown), or a contiguous netmask, which is stored as its length.
 */
export const prefixLength: Codec<number> = {
  domain: { type: "uint", min: 0, max: 32 },
  arity: 1,
  expected: "a prefix length (0-32 for IPv4, 0-128 for IPv6) or a netmask",
  parse: ([t = ""], cx) => {
    const max = cx.family === "ipv4" ? 32 : 128;
    const mask = parseIP(t);
    if (mask !== undefined) {
      if (cx.family !== undefined && mask.family !== cx.family) return new CodecError(`${t} is an ${mask.family} netmask in an ${cx.family} ruleset`);
      return maskLength(mask.family, mask.value) ?? new CodecError(`netmask ${t} is not contiguous`);
    }
    const v = parseUnsigned(t);
    if (v === undefined) return new CodecError(`"${t}" is not a prefix length or a netmask`);
    return v <= max ? v : new CodecError(`prefix length ${t} is out of range (0-${max})`);
  },
  print: (v) => [String(v)],
};
