/**
 * Targets that report packets without deciding their fate: LOG, NFLOG, AUDIT, TRACE.
 * @module
 */
import { flag, keyword, parseUnsigned, unsigned } from "../codecs.js";
import { type Codec, CodecError, type NodeOf, atMostOne, moduleSchema, option } from "../schema.js";

/**
 * A log prefix: non-empty, without line breaks or NUL, at most `maxBytes` bytes (the kernel's buffer
 * less its terminating NUL). iptables silently cuts a longer prefix; refusing it keeps the AST equal to
 * what was written, and says so.
 */
function logPrefix(maxBytes: number, domain: string): Codec<string> {
  return {
    domain: { type: "custom", name: domain },
    arity: 1,
    expected: `a prefix of 1 to ${maxBytes} bytes`,
    parse: ([t = ""]) => {
      if (t === "") return new CodecError("the prefix must not be empty");
      if (/[\r\n\0]/.test(t)) return new CodecError("the prefix must not contain line breaks or NUL");
      const bytes = Buffer.byteLength(t, "utf8");
      if (bytes > maxBytes) return new CodecError(`the prefix is ${bytes} bytes long; the kernel keeps at most ${maxBytes} (iptables would cut it)`);
      return t;
    },
    print: (t) => [t],
  };
}

/** Syslog level names iptables accepts (case-sensitive), with their numbers; `error` and `panic` are its old aliases. */
export const syslogLevels: ReadonlyMap<string, number> = new Map([
  ["emerg", 0],
  ["panic", 0],
  ["alert", 1],
  ["crit", 2],
  ["error", 3],
  ["warning", 4],
  ["notice", 5],
  ["info", 6],
  ["debug", 7],
]);

/** The level LOG uses when `--log-level` is absent (iptables-save then omits it). */
export const defaultLogLevel = 4;

/** `--log-level LEVEL`: 0-7 or a syslog level name, stored and printed as the number, as iptables-save does. */
export const logLevel: Codec<number> = {
  domain: { type: "uint", min: 0, max: 7 },
  arity: 1,
  expected: `a log level 0-7 or ${[...syslogLevels.keys()].join(", ")}`,
  parse: ([t = ""]) => {
    const v = parseUnsigned(t) ?? syslogLevels.get(t);
    if (v === undefined || v > 7) return new CodecError(`log level "${t}" unknown (0-7 or ${[...syslogLevels.keys()].join(", ")})`);
    return v;
  },
  print: (v) => [String(v)],
};

/**
 * `-j LOG`: write a kernel log line for the packet and go on with the next rule. The flags add TCP
 * sequence numbers, TCP options, IP options, the socket's uid and the MAC header.
 */
export const LOGSchema = moduleSchema({
  name: "LOG",
  options: {
    logPrefix: option(["--log-prefix"], logPrefix(29, "logPrefix")),
    logLevel: option(["--log-level"], logLevel),
    logTcpSequence: option(["--log-tcp-sequence"], flag),
    logTcpOptions: option(["--log-tcp-options"], flag),
    logIpOptions: option(["--log-ip-options"], flag),
    logUid: option(["--log-uid"], flag),
    logMacdecode: option(["--log-macdecode"], flag),
  },
});
/** A `-j LOG` target. */
export type LOGTarget = NodeOf<typeof LOGSchema>;

/**
 * `-j NFLOG`: send the packet to nfnetlink_log group `--nflog-group` (default 0) and go on. `--nflog-size`
 * limits the bytes copied; `--nflog-range` is its old spelling, which never had an effect; the
 * threshold batches packets in the kernel.
 */
export const NFLOGSchema = moduleSchema({
  name: "NFLOG",
  options: {
    nflogPrefix: option(["--nflog-prefix"], logPrefix(63, "nflogPrefix")),
    nflogGroup: option(["--nflog-group"], unsigned(0, 65535)),
    nflogSize: option(["--nflog-size"], unsigned(0, 0xffffffff)),
    nflogRange: option(["--nflog-range"], unsigned(0, 0xffffffff)),
    nflogThreshold: option(["--nflog-threshold"], unsigned(0, 65535)),
  },
  check: (n) => atMostOne(n, ["nflogSize", "nflogRange"]),
});
/** A `-j NFLOG` target. */
export type NFLOGTarget = NodeOf<typeof NFLOGSchema>;

/**
 * `-j AUDIT --type accept|drop|reject`: write an audit record and go on. Since Linux 4.12 the type no
 * longer changes the record, but iptables still requires it.
 */
export const AUDITSchema = moduleSchema({
  name: "AUDIT",
  options: {
    type: option(["--type"], keyword(["accept", "drop", "reject"] as const, "audit type")),
  },
  check: (n) => (n.type === undefined ? [{ message: "--type is required" }] : []),
});
/** A `-j AUDIT` target. */
export type AUDITTarget = NodeOf<typeof AUDITSchema>;

/** `-j TRACE` (raw table): trace the packet through every rule it meets. */
export const TRACESchema = moduleSchema({
  name: "TRACE",
  options: {},
});
/** A `-j TRACE` target. */
export type TRACETarget = NodeOf<typeof TRACESchema>;
