/**
 * Prints the ipset AST as canonical `ipset save` text: create options in the order ipset prints them for
 * the set's type, members in their file order, numbers and names as ipset prints them. `parse(print(ast))`
 * gives back `ast`, and `ipset restore` reads the text.
 * @module
 */
import { familyBits, formatIPv4, parseIP } from "./address.js";
import {
  formatIpsetType,
  type IpsetCreateOptionName,
  type IpsetMember,
  type IpsetPart,
  ipsetIcmpNames,
  ipsetIcmpv6Names,
  type IpsetSave,
  type IpsetSet,
  ipsetTypeName,
  ipsetTypes,
} from "./ipset.js";
import { protocolName } from "./names.js";

const assertNever = (x: never): never => {
  throw new Error(`unhandled ${JSON.stringify(x)}`);
};

/** `0x` and eight hex digits, as ipset prints marks, markmasks and initval. */
function hex8(n: number): string {
  return `0x${n.toString(16).padStart(8, "0")}`;
}

/**
 * Formats an address as ipset prints it, which is glibc's inet_ntop: like RFC 5952, except that IPv4-mapped
 * (`::ffff:a.b.c.d`) and IPv4-compatible (`::a.b.c.d`) addresses end in a dotted quad.
 */
export function formatIpsetAddress(address: string): string {
  const ip = parseIP(address);
  if (ip === undefined) return address;
  if (ip.family === "ipv4") return formatIPv4(ip.value);
  const words: number[] = [];
  for (let i = 7; i >= 0; i--) words.push(Number((ip.value >> BigInt(i * 16)) & 0xffffn));
  let bestBase = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      bestBase = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) bestBase = -1;
  let out = "";
  for (let i = 0; i < 8; i++) {
    if (bestBase !== -1 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) out += ":";
      continue;
    }
    if (i !== 0) out += ":";
    if (i === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && words[5] === 0xffff))) {
      out += formatIPv4(ip.value & 0xffffffffn);
      return out;
    }
    out += (words[i] ?? 0).toString(16);
  }
  if (bestBase !== -1 && bestBase + bestLen === 8) out += ":";
  return out;
}

function icmpName(family: "ipv4" | "ipv6", type: number, code: number): string {
  const table = family === "ipv4" ? ipsetIcmpNames : ipsetIcmpv6Names;
  const hit = table.find(([, t, c]) => t === type && c === code);
  return hit === undefined ? `${type}/${code}` : hit[0];
}

function printRangeNumbers(from: number, to: number): string {
  return from === to ? String(from) : `${from}-${to}`;
}

/** Prints one part of a member as `ipset save` does. */
export function printIpsetPart(part: IpsetPart): string {
  switch (part.kind) {
    case "ip": {
      const a = part.address;
      const text = formatIpsetAddress(a.address);
      return a.length === familyBits(a.family) ? text : `${text}/${a.length}`;
    }
    case "ip-range":
      return `${formatIpsetAddress(part.from)}-${formatIpsetAddress(part.to)}`;
    case "port": {
      const ports = printRangeNumbers(part.from, part.to);
      return part.protocol === undefined ? ports : `${part.protocol}:${ports}`;
    }
    case "icmp":
      // ipset prints the /etc/protocols name of 58, which is ipv6-icmp; it reads icmpv6 too.
      return `${part.family === "ipv4" ? "icmp" : "ipv6-icmp"}:${icmpName(part.family, part.type, part.code)}`;
    case "protocol":
      return `${protocolName.get(part.protocol) ?? String(part.protocol)}:0`;
    case "iface":
      return part.physdev ? `physdev:${part.name}` : part.name;
    case "mark":
      return hex8(part.value);
    case "mac":
      return part.address;
    case "set":
      return part.name;
    default:
      return assertNever(part);
  }
}

/** Prints the words of a `create` line after the type, in the order `ipset save` prints them for the type. */
function printCreateOptions(set: IpsetSet): string[] {
  const name = ipsetTypeName(set.setType);
  if (name === undefined) throw new Error(`unknown ipset type ${formatIpsetType(set.setType)}`);
  const info = ipsetTypes[name];
  const o = set.options;
  const out: string[] = [];
  const valued = (word: string, value: string | undefined): void => {
    if (value !== undefined) out.push(word, value);
  };
  const flagged = (word: string, on: boolean): void => {
    if (on) out.push(word);
  };
  for (const option of info.createOptions) {
    const key: IpsetCreateOptionName = option;
    switch (key) {
      case "family":
        // ipset save prints the family of every set whose type lets you choose it.
        valued("family", set.family === "ipv6" ? "inet6" : "inet");
        break;
      case "range":
        if (o.range === undefined) break;
        valued("range", o.range.kind === "ip-range" ? `${formatIpsetAddress(o.range.from)}-${formatIpsetAddress(o.range.to)}` : `${o.range.from}-${o.range.to}`);
        break;
      case "markmask":
        valued("markmask", o.markmask === undefined ? undefined : hex8(o.markmask));
        break;
      case "hashsize":
        valued("hashsize", o.hashsize?.toString());
        break;
      case "maxelem":
        valued("maxelem", o.maxelem?.toString());
        break;
      case "netmask":
        valued("netmask", o.netmask?.toString());
        break;
      case "bitmask":
        valued("bitmask", o.bitmask === undefined ? undefined : formatIpsetAddress(o.bitmask));
        break;
      case "size":
        valued("size", o.size?.toString());
        break;
      case "timeout":
        valued("timeout", o.timeout?.toString());
        break;
      case "counters":
        flagged("counters", o.counters);
        break;
      case "comment":
        flagged("comment", o.comment);
        break;
      case "forceadd":
        flagged("forceadd", o.forceadd);
        break;
      case "skbinfo":
        flagged("skbinfo", o.skbinfo);
        break;
      case "bucketsize":
        valued("bucketsize", o.bucketsize?.toString());
        break;
      case "initval":
        valued("initval", o.initval === undefined ? undefined : hex8(o.initval));
        break;
      default:
        assertNever(key);
    }
  }
  return out;
}

/** Prints the `create` line of a set (without its members). */
export function printIpsetCreate(set: IpsetSet): string {
  return ["create", set.name, formatIpsetType(set.setType), ...printCreateOptions(set)].join(" ");
}

/**
 * Prints the `add` line of one member of `set`, options in ipset's order. A comment is printed between
 * double quotes as ipset does, without escapes: ipset refuses comments that contain `"`.
 */
export function printIpsetAdd(set: IpsetSet, member: IpsetMember): string {
  const out = ["add", set.name, member.parts.map(printIpsetPart).join(",")];
  if (member.position !== undefined) out.push(member.position.relation, member.position.set);
  if (member.timeout !== undefined) out.push("timeout", String(member.timeout));
  if (member.nomatch) out.push("nomatch");
  if (member.wildcard) out.push("wildcard");
  if (member.packets !== undefined) out.push("packets", member.packets.toString());
  if (member.bytes !== undefined) out.push("bytes", member.bytes.toString());
  if (member.comment !== undefined) out.push("comment", `"${member.comment}"`);
  if (member.skbmark !== undefined) {
    const { mark, mask } = member.skbmark;
    out.push("skbmark", mask === 0xffffffff ? `0x${mark.toString(16)}` : `0x${mark.toString(16)}/0x${mask.toString(16)}`);
  }
  if (member.skbprio !== undefined) out.push("skbprio", `${member.skbprio.major.toString(16)}:${member.skbprio.minor.toString(16)}`);
  if (member.skbqueue !== undefined) out.push("skbqueue", String(member.skbqueue));
  return out.join(" ");
}

/** Prints one set: its `create` line, then an `add` line per member. */
export function printIpsetSet(set: IpsetSet): string {
  return [printIpsetCreate(set), ...set.members.map((m) => printIpsetAdd(set, m))].map((l) => `${l}\n`).join("");
}

/**
 * Prints a whole dump as `ipset save` would: every set with its members, in order.
 *
 * @example
 * ```ts
 * const { value } = parseIpsetSave("create a hash:ip\nadd a 10.0.0.1\n");
 * printIpsetSave(value!); // "create a hash:ip family inet\nadd a 10.0.0.1\n"
 * ```
 */
export function printIpsetSave(save: IpsetSave): string {
  return save.sets.map(printIpsetSet).join("");
}
