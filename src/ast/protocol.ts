/**
 * Protocols as `-p` and `--ctproto` take them.
 * @module
 */
import { parseUnsigned } from "./codecs.js";
import { protocolByName, protocolName } from "./names.js";
import { type Codec, CodecError } from "./schema.js";

/** Protocol number for a name or number as iptables accepts it (`tcp`, `TCP`, `6`, `ipv6-icmp`); `all` is 0. */
export function parseProtocol(text: string): number | undefined {
  const lower = text.toLowerCase();
  if (lower === "all") return 0;
  const n = parseUnsigned(text);
  if (n !== undefined) return n <= 255 ? n : undefined;
  return protocolByName.get(lower);
}

/** The name iptables-save prints for a protocol number, or the number. */
export function formatProtocol(n: number): string {
  return n === 0 ? "all" : (protocolName.get(n) ?? String(n));
}

/** A protocol, stored as its number. */
export const protocolCodec: Codec<number> = {
  domain: { type: "custom", name: "protocol" },
  arity: 1,
  expected: "a protocol name or number",
  parse: ([t = ""]) => parseProtocol(t) ?? new CodecError(`"${t}" is not a known protocol name or number 0-255`),
  print: (n) => [formatProtocol(n)],
};
