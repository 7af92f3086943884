/**
 * Targets that report packets and let them go on: LOG, NFLOG, AUDIT, TRACE. Each becomes a statement that
 * is not a verdict, so the packet continues with the next rule as after iptables' XT_CONTINUE.
 *
 * - LOG → `log [prefix "…"] [level …] [flags …]`: nft_log hands the packet to the same syslog logger
 *   (`nf_log_packet` with a LOG-type loginfo carrying level and flags).
 * - NFLOG → `log group N [prefix "…"] [snaplen N] [queue-threshold N]`: the same nfnetlink_log loginfo.
 * - AUDIT → `log level audit`: the same AUDIT_NETFILTER_PKT record (the `--type` has not changed the record
 *   since Linux 4.12).
 * - TRACE → `meta nftrace set 1`: sets the same `nf_trace` bit of the packet. The trace then shows in
 *   `nft monitor trace` (nftables' trace events) rather than as `TRACE:` kernel log lines, which only
 *   iptables' own tables print; the packets traced are the same.
 * @module
 */
import type { KnownTarget } from "../ast/index.js";
import type { Span } from "../diagnostic/index.js";
import type { NftLog, NftLogFlag, NftLogLevel } from "../nft/index.js";
import { type ByKind, type Refusal, type Translation, ok, refuse } from "./context.js";
import { meta, num } from "./expr.js";

type LogTarget = Extract<KnownTarget, { kind: "LOG" }>;
type NflogTarget = Extract<KnownTarget, { kind: "NFLOG" }>;

/** Syslog levels 0-7 as nft names them. */
const nftLevels: readonly NftLogLevel[] = ["emerg", "alert", "crit", "err", "warn", "notice", "info", "debug"];

/** The level both LOG and nft's log use when none is given (warning). */
const defaultLevel = 4;

/**
 * Refuses a prefix nft text cannot carry: its strings have no escapes, so `"` cannot appear, and nft 1.0.6
 * expands `$NAME` variables inside log prefixes, so a `$` would be read as a variable reference.
 */
function refuseUnwritablePrefix(target: string, prefix: string, span: Span): Refusal | undefined {
  if (prefix.includes('"')) return refuse(`${target} prefix ${JSON.stringify(prefix)} contains a double quote, which nft strings cannot hold`, span);
  if (prefix.includes("$")) return refuse(`${target} prefix ${JSON.stringify(prefix)} contains "$", which nft 1.0.6 reads as a variable reference in log prefixes`, span);
  return undefined;
}

/** `-j LOG [--log-prefix P] [--log-level L] [--log-tcp-sequence] [--log-tcp-options] [--log-ip-options] [--log-uid] [--log-macdecode]`. */
export function translateLog(t: LogTarget): Translation {
  if (t.logPrefix !== undefined) {
    const refusal = refuseUnwritablePrefix("LOG", t.logPrefix.value, t.logPrefix.span);
    if (refusal !== undefined) return refusal;
  }
  const level = t.logLevel?.value ?? defaultLevel;
  const flags: NftLogFlag[] = [];
  if (t.logTcpSequence !== undefined) flags.push("tcp sequence");
  if (t.logTcpOptions !== undefined) flags.push("tcp options");
  if (t.logIpOptions !== undefined) flags.push("ip options");
  if (t.logUid !== undefined) flags.push("skuid");
  if (t.logMacdecode !== undefined) flags.push("ether");
  const stmt: NftLog = {
    kind: "log",
    ...(t.logPrefix === undefined ? {} : { prefix: t.logPrefix.value }),
    // Leaving the default out prints `log` as nft lists it; the kernel fills in warning either way.
    ...(level === defaultLevel ? {} : { level: nftLevels[level] ?? "warn" }),
    ...(flags.length === 0 ? {} : { flags }),
  };
  return ok(stmt);
}

/**
 * `-j NFLOG [--nflog-group N] [--nflog-prefix P] [--nflog-size N] [--nflog-threshold N]`. The group is always
 * written: without one, nft's log goes to syslog instead of nfnetlink_log. `--nflog-size` is the snaplen
 * (both set the copy-length flag); `--nflog-range` never set that flag, so the kernel ignores it and it has
 * no translation. A threshold of 0 (the default) leaves the instance's threshold in force, as an nft log
 * without `queue-threshold` does.
 */
export function translateNflog(t: NflogTarget): Translation {
  if (t.nflogPrefix !== undefined) {
    const refusal = refuseUnwritablePrefix("NFLOG", t.nflogPrefix.value, t.nflogPrefix.span);
    if (refusal !== undefined) return refusal;
  }
  const threshold = t.nflogThreshold?.value ?? 0;
  const stmt: NftLog = {
    kind: "log",
    ...(t.nflogPrefix === undefined ? {} : { prefix: t.nflogPrefix.value }),
    group: t.nflogGroup?.value ?? 0,
    ...(t.nflogSize === undefined ? {} : { snaplen: t.nflogSize.value }),
    ...(threshold === 0 ? {} : { queueThreshold: threshold }),
  };
  return ok(stmt);
}

/** `-j AUDIT --type accept|drop|reject` → `log level audit`. */
export function translateAudit(): Translation {
  return ok({ kind: "log", level: "audit" });
}

/** `-j TRACE` → `meta nftrace set 1`. */
export function translateTrace(): Translation {
  return ok({ kind: "mangle", key: meta("nftrace"), value: num(1) });
}

/** The logging targets this file provides. */
export const logTargetTranslators = {
  LOG: translateLog,
  NFLOG: translateNflog,
  AUDIT: translateAudit,
  TRACE: translateTrace,
} satisfies Partial<ByKind<KnownTarget>>;
