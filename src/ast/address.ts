/**
 * IPv4 and IPv6 addresses as the AST keeps them: canonical text plus prefix length or netmask.
 * @module
 */

/**
 * Address family of a ruleset or an address.
 *
 * @example
 * ```ts
 * const family: Family = detectFamily(text); // "ipv6" for an ip6tables-save dump
 * const { value } = parseRuleset(text, { family });
 * ```
 */
export type Family = "ipv4" | "ipv6";

/** An address with a contiguous prefix (`10.0.0.0/8`, `fe80::/64`); the address has its host bits cleared, as the kernel stores it. */
export interface PrefixAddress {
  readonly kind: "prefix";
  readonly family: Family;
  /** Canonical text: dotted quad, or RFC 5952 IPv6. */
  readonly address: string;
  readonly length: number;
}

/** An address with a non-contiguous netmask (`10.0.12.0/255.0.255.0`). */
export interface MaskedAddress {
  readonly kind: "mask";
  readonly family: Family;
  readonly address: string;
  readonly mask: string;
}

/**
 * An address match as `-s`/`-d` and many modules take it.
 *
 * @example
 * ```ts
 * const { value } = parseCommand("-A INPUT -s 10.0.12.0/255.0.255.0 -d 192.168.0.0/16 -j DROP");
 * const source: AddressMatch | undefined = value?.rule?.source?.value;
 * // { kind: "mask", family: "ipv4", address: "10.0.12.0", mask: "255.0.255.0" }
 * value?.rule?.destination?.value; // { kind: "prefix", family: "ipv4", address: "192.168.0.0", length: 16 }
 * ```
 */
export type AddressMatch = PrefixAddress | MaskedAddress;

/** Number of bits in an address of this family. */
export function familyBits(family: Family): number {
  return family === "ipv4" ? 32 : 128;
}

/** Parses a dotted-quad IPv4 address into a 32-bit integer, or undefined. */
export function parseIPv4(text: string): bigint | undefined {
  // A hand-rolled scan: this runs for every address of a large dump.
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      octet = octet * 10 + (c - 48);
      if (++digits > 3 || octet > 255) return undefined;
    } else if (c === 46 && digits > 0 && dots < 3) {
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else return undefined;
  }
  if (dots !== 3 || digits === 0) return undefined;
  return BigInt(value * 256 + octet);
}

/** Parses an IPv6 address (with `::` and an optional embedded IPv4 tail) into a 128-bit integer, or undefined. */
export function parseIPv6(text: string): bigint | undefined {
  if (text.length === 0 || text.length > 45 || !/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  let groups: string[];
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const splitHalf = (h: string): string[] | undefined => {
    if (h === "") return [];
    const g = h.split(":");
    return g.some((x) => x === "") ? undefined : g;
  };
  const head = splitHalf(halves[0] ?? "");
  const tail = halves.length === 2 ? splitHalf(halves[1] ?? "") : [];
  if (head === undefined || tail === undefined) return undefined;
  const expandV4 = (g: string[]): string[] | undefined => {
    const last = g[g.length - 1];
    if (last === undefined || !last.includes(".")) return g;
    const v4 = parseIPv4(last);
    if (v4 === undefined) return undefined;
    return [...g.slice(0, -1), (v4 >> 16n).toString(16), (v4 & 0xffffn).toString(16)];
  };
  const h = halves.length === 2 ? head : expandV4(head);
  const t = halves.length === 2 ? expandV4(tail) : [];
  if (h === undefined || t === undefined) return undefined;
  if (halves.length === 2) {
    const missing = 8 - h.length - t.length;
    if (missing < 1) return undefined;
    groups = [...h, ...Array<string>(missing).fill("0"), ...t];
  } else {
    groups = h;
  }
  if (groups.length !== 8) return undefined;
  let n = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    n = (n << 16n) | BigInt(parseInt(g, 16));
  }
  return n;
}

/** Formats a 32-bit integer as a dotted quad. */
export function formatIPv4(n: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => ((n >> s) & 0xffn).toString()).join(".");
}

/** Formats a 128-bit integer as RFC 5952 text (lowercase, longest zero run of two or more groups as `::`). */
export function formatIPv6(n: bigint): string {
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((n >> BigInt(i * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart === -1) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLen).join(":")}`;
}

/** Parses an address of either family. */
export function parseIP(text: string): { family: Family; value: bigint } | undefined {
  const v4 = parseIPv4(text);
  if (v4 !== undefined) return { family: "ipv4", value: v4 };
  const v6 = parseIPv6(text);
  if (v6 !== undefined) return { family: "ipv6", value: v6 };
  return undefined;
}

/** Formats an integer address of the given family. */
export function formatIP(family: Family, value: bigint): string {
  return family === "ipv4" ? formatIPv4(value) : formatIPv6(value);
}

/** The netmask with `length` leading one bits. */
export function prefixMask(family: Family, length: number): bigint {
  const bits = BigInt(familyBits(family));
  const all = (1n << bits) - 1n;
  return length === 0 ? 0n : (all << (bits - BigInt(length))) & all;
}

/** The prefix length of a contiguous mask, or undefined if the mask is not contiguous. */
export function maskLength(family: Family, mask: bigint): number | undefined {
  const bits = familyBits(family);
  const hostBits = ~mask & ((1n << BigInt(bits)) - 1n);
  // Contiguous exactly when the host part is 2^k - 1.
  if ((hostBits & (hostBits + 1n)) !== 0n) return undefined;
  return bits - hostBits.toString(2).replace(/^0$/, "").length;
}

/** `A.B.C.D` or `A.B.C.D/LEN` with canonical octets: the common case of -s/-d, parsed without BigInt. */
const plainIPv4Prefix = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})(?:\/(0|[1-9]\d?))?$/;

function parsePlainIPv4Prefix(text: string): PrefixAddress | string | undefined {
  const m = plainIPv4Prefix.exec(text);
  if (m === null) return undefined;
  const octets = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])];
  if (octets.some((o) => o > 255)) return undefined;
  const length = m[5] === undefined ? 32 : Number(m[5]);
  if (length > 32) return `prefix length ${length} is out of range for ipv4 (0-32)`;
  const value = (((octets[0] ?? 0) << 24) | ((octets[1] ?? 0) << 16) | ((octets[2] ?? 0) << 8) | (octets[3] ?? 0)) >>> 0;
  const mask = length === 0 ? 0 : (0xffffffff << (32 - length)) >>> 0;
  const masked = (value & mask) >>> 0;
  const address = masked === value ? (m[5] === undefined ? text : text.slice(0, text.indexOf("/"))) : [masked >>> 24, (masked >>> 16) & 255, (masked >>> 8) & 255, masked & 255].join(".");
  return { kind: "prefix", family: "ipv4", address, length };
}

/**
 * Parses `ADDR`, `ADDR/LEN` or `ADDR/MASK` as iptables does for `-s`/`-d`. A bare address is a host
 * (`/32`, `/128`). Host bits are cleared. Returns an error message for anything else (hostnames included:
 * iptables would resolve them at load time, which a migration must not guess).
 */
export function parseAddressMatch(text: string): AddressMatch | string {
  const fast = parsePlainIPv4Prefix(text);
  if (fast !== undefined) return fast;
  const slash = text.indexOf("/");
  const addrText = slash === -1 ? text : text.slice(0, slash);
  const ip = parseIP(addrText);
  if (ip === undefined) return `"${addrText}" is not an IPv4 or IPv6 address (hostnames are not resolved)`;
  const bits = familyBits(ip.family);
  let mask: bigint;
  if (slash === -1) {
    mask = prefixMask(ip.family, bits);
  } else {
    const m = text.slice(slash + 1);
    if (/^\d{1,3}$/.test(m)) {
      const len = Number(m);
      if (len > bits) return `prefix length ${len} is out of range for ${ip.family} (0-${bits})`;
      mask = prefixMask(ip.family, len);
    } else {
      const mm = parseIP(m);
      if (mm?.family !== ip.family) return `"${m}" is not a prefix length or a ${ip.family} netmask`;
      mask = mm.value;
    }
  }
  const address = formatIP(ip.family, ip.value & mask);
  const length = maskLength(ip.family, mask);
  return length === undefined
    ? { kind: "mask", family: ip.family, address, mask: formatIP(ip.family, mask) }
    : { kind: "prefix", family: ip.family, address, length };
}

/** Prints an address match as iptables-save does: always with `/len` or `/mask`. */
export function formatAddressMatch(a: AddressMatch): string {
  return a.kind === "prefix" ? `${a.address}/${a.length}` : `${a.address}/${a.mask}`;
}
