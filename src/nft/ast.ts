/**
 * The nftables model: a typed tree of tables, chains, rules, statements and expressions that both printers
 * (`nft -f` text and libnftables JSON) read. Node kinds and field names follow the libnftables JSON objects
 * (`man libnftables-json`), so nft's own documentation explains each node. The model stands alone: it knows
 * nothing of iptables, so a parsed nft file could be represented with it too.
 *
 * Everything here was checked against nft 1.0.6: the text and JSON forms of every node load with `nft -f`
 * and `nft -j -f` (see test/nft/kernel.test.ts).
 * @module
 */
import type { Span } from "../diagnostic/index.js";

/**
 * The address families this project writes tables for.
 *
 * @example
 * ```ts
 * const family: NftFamily = "inet"; // one table for IPv4 and IPv6
 * const table: NftTable = { kind: "table", family, name: "filter", objects: [], sets: [], maps: [], chains: [] };
 * ```
 */
export type NftFamily = "ip" | "ip6" | "inet";

/** The two IP families, where a statement or expression must name one (`dnat ip to`, `ct original ip saddr`). */
export type NftIpFamily = "ip" | "ip6";

// ---------------------------------------------------------------------------------------------------------------
// Expressions
// ---------------------------------------------------------------------------------------------------------------

/**
 * The named header fields of each protocol a payload expression can read (`ip saddr`, `tcp dport`). Only fields
 * whose text and JSON names agree in nft 1.0.6 are listed.
 */
export interface NftPayloadFields {
  readonly ether: "saddr" | "daddr" | "type";
  readonly vlan: "id" | "type";
  readonly ip: "version" | "hdrlength" | "dscp" | "ecn" | "length" | "id" | "frag-off" | "ttl" | "protocol" | "checksum" | "saddr" | "daddr";
  readonly ip6: "version" | "dscp" | "ecn" | "flowlabel" | "length" | "nexthdr" | "hoplimit" | "saddr" | "daddr";
  readonly icmp: "type" | "code" | "checksum" | "id" | "sequence" | "gateway" | "mtu";
  readonly icmpv6: "type" | "code" | "checksum" | "id" | "sequence" | "mtu" | "max-delay";
  readonly igmp: "type" | "mrt" | "checksum" | "group";
  readonly tcp: "sport" | "dport" | "sequence" | "ackseq" | "doff" | "reserved" | "flags" | "window" | "checksum" | "urgptr";
  readonly udp: "sport" | "dport" | "length" | "checksum";
  readonly udplite: "sport" | "dport" | "checksum";
  readonly sctp: "sport" | "dport" | "vtag" | "checksum";
  readonly dccp: "sport" | "dport" | "type";
  readonly ah: "nexthdr" | "hdrlength" | "reserved" | "spi" | "sequence";
  readonly esp: "spi" | "sequence";
  /** The transport header of any protocol (`th dport`); pair it with `meta l4proto`. */
  readonly th: "sport" | "dport";
}

/** A protocol a payload expression reads. */
export type NftPayloadProtocol = keyof NftPayloadFields;

/** `ip saddr`, `tcp dport`: one named field of one protocol header. JSON `{"payload":{"protocol","field"}}`. */
export type NftPayload = {
  readonly [P in NftPayloadProtocol]: { readonly kind: "payload"; readonly protocol: P; readonly field: NftPayloadFields[P] };
}[NftPayloadProtocol];

/**
 * `@nh,0,8`: `length` bits at bit `offset` from the link-layer (`ll`), network (`nh`) or transport (`th`)
 * header; for what has no named field (the u32 match). JSON `{"payload":{"base","offset","len"}}`.
 */
export interface NftRawPayload {
  readonly kind: "raw payload";
  readonly base: "ll" | "nh" | "th";
  readonly offset: number;
  readonly length: number;
}

/** The fields of each IPv6 extension header an `exthdr` expression can read. */
export interface NftExthdrFields {
  readonly hbh: "nexthdr" | "hdrlength";
  readonly rt: "nexthdr" | "hdrlength" | "type" | "seg-left";
  readonly frag: "nexthdr" | "reserved" | "frag-off" | "reserved2" | "more-fragments" | "id";
  readonly dst: "nexthdr" | "hdrlength";
  readonly mh: "nexthdr" | "hdrlength" | "type" | "reserved" | "checksum";
}

/**
 * An IPv6 extension header: a field of it (`frag more-fragments`), or, without `field`, its presence (compare
 * with a boolean: `exthdr frag exists`). JSON `{"exthdr":{"name","field"}}`.
 */
export type NftExthdr = {
  readonly [H in keyof NftExthdrFields]: { readonly kind: "exthdr"; readonly name: H; readonly field?: NftExthdrFields[H] };
}[keyof NftExthdrFields];

/** The fields of each TCP option a `tcp option` expression can read. */
export interface NftTcpOptionFields {
  readonly eol: "kind";
  readonly nop: "kind";
  readonly maxseg: "kind" | "length" | "size";
  readonly window: "kind" | "length" | "count";
  readonly "sack-perm": "kind" | "length";
  readonly sack: "kind" | "length" | "left" | "right";
  readonly timestamp: "kind" | "length" | "tsval" | "tsecr";
}

/**
 * A TCP option: a field of it (`tcp option maxseg size`), or, without `field`, its presence (compare with a
 * boolean). JSON `{"tcp option":{"name","field"}}`.
 */
export type NftTcpOption = {
  readonly [O in keyof NftTcpOptionFields]: { readonly kind: "tcp option"; readonly name: O; readonly field?: NftTcpOptionFields[O] };
}[keyof NftTcpOptionFields];

/** An IPv4 option (`ip option rr exists`, `ip option lsrr ptr`). JSON `{"ip option":{"name","field"}}`. */
export interface NftIpOption {
  readonly kind: "ip option";
  readonly name: "lsrr" | "rr" | "ssrr" | "ra";
  readonly field?: "type" | "length" | "value" | "ptr" | "addr";
}

/** The packet metadata a `meta` expression reads or sets. */
export type NftMetaKey =
  | "length"
  | "protocol"
  | "priority"
  | "random"
  | "mark"
  | "iif"
  | "iifname"
  | "iiftype"
  | "iifkind"
  | "oif"
  | "oifname"
  | "oiftype"
  | "oifkind"
  | "skuid"
  | "skgid"
  | "nftrace"
  | "rtclassid"
  | "pkttype"
  | "cpu"
  | "iifgroup"
  | "oifgroup"
  | "cgroup"
  | "nfproto"
  | "l4proto"
  | "secpath"
  | "time"
  | "day"
  | "hour";

/** `meta mark`, `iifname`, `meta l4proto`: packet metadata. JSON `{"meta":{"key"}}`. */
export interface NftMeta {
  readonly kind: "meta";
  readonly key: NftMetaKey;
}

/** The conntrack data a `ct` expression reads or sets. */
export type NftCtKey =
  | "state"
  | "direction"
  | "status"
  | "mark"
  | "expiration"
  | "helper"
  | "l3proto"
  | "protocol"
  | "saddr"
  | "daddr"
  | "proto-src"
  | "proto-dst"
  | "label"
  | "bytes"
  | "packets"
  | "avgpkt"
  | "zone"
  | "event";

/** Which direction of a connection a `ct` key refers to. */
export type NftCtDirection = "original" | "reply";

/**
 * `ct state`, `ct original ip saddr`, `ct reply proto-dst`: conntrack data. `dir` is required by nft for
 * `saddr`/`daddr`/`proto-src`/`proto-dst` and optional for `bytes`/`packets`/`avgpkt`/`zone`; `family` only goes
 * with `saddr`/`daddr` (required in inet tables). JSON `{"ct":{"key","dir"}}`, the family written into the key
 * (`"ip saddr"`) as nft 1.0.6 lists it, because its JSON parser ignores the documented `"family"` property.
 */
export interface NftCt {
  readonly kind: "ct";
  readonly key: NftCtKey;
  readonly dir?: NftCtDirection;
  readonly family?: NftIpFamily;
}

/**
 * `fib saddr . iif oif`, `fib daddr type`: a routing lookup keyed by `flags`, returning `result`.
 * JSON `{"fib":{"result","flags"}}`.
 */
export interface NftFib {
  readonly kind: "fib";
  readonly flags: readonly ("saddr" | "daddr" | "mark" | "iif" | "oif")[];
  readonly result: "oif" | "oifname" | "type";
}

/** `socket transparent`: data of the socket the packet belongs to. JSON `{"socket":{"key"}}`. */
export interface NftSocket {
  readonly kind: "socket";
  readonly key: "transparent" | "wildcard" | "mark";
}

/** `numgen inc mod 3 offset 1`: a counter or random number modulo `mod`. JSON `{"numgen":{"mode","mod","offset"}}`. */
export interface NftNumgen {
  readonly kind: "numgen";
  readonly mode: "inc" | "random";
  readonly mod: number;
  readonly offset?: number;
}

/** `jhash ip saddr mod 4 seed 0x5 offset 1`: a hash of `expr`. JSON `{"jhash":{"expr","mod","seed","offset"}}`. */
export interface NftJhash {
  readonly kind: "jhash";
  readonly expr: NftExpr;
  readonly mod: number;
  readonly seed?: number;
  readonly offset?: number;
}

/** `symhash mod 4`: a hash of the flow, the same in both directions. JSON `{"symhash":{"mod","offset"}}`. */
export interface NftSymhash {
  readonly kind: "symhash";
  readonly mod: number;
  readonly offset?: number;
}

/** `rt mtu`, `rt ip nexthop`, `rt classid`: routing data of the packet. JSON `{"rt":{"key","family"}}`. */
export interface NftRt {
  readonly kind: "rt";
  readonly key: "classid" | "nexthop" | "mtu";
  /** Only with `nexthop`, which needs to know the address family. */
  readonly family?: NftIpFamily;
}

/**
 * `ipsec in reqid`, `ipsec out spnum 1 ip daddr`: IPsec state the packet went through (the iptables `policy`
 * match). JSON `{"ipsec":{"key","dir","spnum","family"}}`.
 */
export interface NftIpsec {
  readonly kind: "ipsec";
  readonly dir: "in" | "out";
  readonly spnum?: number;
  readonly key: "reqid" | "spi" | "saddr" | "daddr";
  /** Required with `saddr`/`daddr`. */
  readonly family?: NftIpFamily;
}

/** An integer constant. JSON number. */
export interface NftNumber {
  readonly kind: "number";
  readonly value: number | bigint;
  /** Print the text form as `0x…` (marks, masks); JSON always has the plain number. */
  readonly display?: "hex";
}

/** A string constant, double-quoted in text (`iifname "eth*"`, `meta day "Monday"`). JSON string. */
export interface NftString {
  readonly kind: "string";
  readonly value: string;
}

/**
 * A constant written bare in text and as a JSON string: addresses (`10.0.0.1`, `::1`, `00:11:22:33:44:55`),
 * symbolic constants (`established`, `echo-request`, `tcp`, `local`, `cs1`), `1:2` for a priority.
 */
export interface NftSymbol {
  readonly kind: "symbol";
  readonly value: string;
}

/** `exists`/`missing` in text, `true`/`false` in JSON: the right side of presence checks. */
export interface NftBoolean {
  readonly kind: "boolean";
  readonly value: boolean;
}

/** `10.0.0.0/8`. JSON `{"prefix":{"addr","len"}}`. */
export interface NftPrefix {
  readonly kind: "prefix";
  readonly addr: string;
  readonly len: number;
}

/** `1-1024`, `10.0.0.1-10.0.0.9`. JSON `{"range":[low, high]}`. */
export interface NftRange {
  readonly kind: "range";
  readonly low: NftExpr;
  readonly high: NftExpr;
}

/**
 * A list of flag values: `established,related` in text, a JSON array. Inside a binary operation it is written
 * `(fin | syn)`, which is what nft's text parser wants there.
 */
export interface NftList {
  readonly kind: "list";
  readonly values: readonly NftExpr[];
}

/** `{ 22, 80-90 }`: an anonymous set, or with mappings an anonymous map. JSON `{"set":[...]}`. */
export interface NftAnonymousSet {
  readonly kind: "set";
  readonly elements: readonly NftExpr[];
}

/** `22 : accept`, `1.1.1.1 : 2.2.2.2`: one key-value pair of a map. JSON `[key, value]`. */
export interface NftMapping {
  readonly kind: "mapping";
  readonly key: NftExpr;
  readonly value: NftExpr;
}

/**
 * A set element with attributes: `1.2.3.4 timeout 10s comment "x"`, or in a set statement `ip saddr timeout 30s`.
 * JSON `{"elem":{"val","timeout","comment"}}`.
 */
export interface NftElem {
  readonly kind: "elem";
  readonly val: NftExpr;
  /** Seconds. */
  readonly timeout?: number;
  readonly comment?: string;
}

/** `@name`: a named set or map of the same table. JSON `"@name"`. */
export interface NftSetReference {
  readonly kind: "set reference";
  readonly name: string;
}

/** `ip saddr . tcp dport`: values joined into one key. JSON `{"concat":[...]}`. */
export interface NftConcat {
  readonly kind: "concat";
  readonly exprs: readonly NftExpr[];
}

/** The binary operators nft has for masks and shifts. */
export type NftBinaryOperator = "&" | "|" | "^" | "<<" | ">>";

/** `meta mark & 0xff`, `ct mark >> 8`. Nested operations are parenthesised in text. JSON `{"&":[left, right]}`. */
export interface NftBinop {
  readonly kind: "binop";
  readonly op: NftBinaryOperator;
  readonly left: NftExpr;
  readonly right: NftExpr;
}

/** `ip saddr map @m`, `ip saddr map { 1.1.1.1 : 2.2.2.2 }`: a value looked up by key. JSON `{"map":{"key","data"}}`. */
export interface NftMapLookup {
  readonly kind: "map";
  readonly key: NftExpr;
  /** An anonymous set of mappings, or a reference to a named map. */
  readonly data: NftExpr;
}

/** Verdicts that take no argument. JSON `{"accept":null}`. */
export interface NftSimpleVerdict {
  readonly kind: "accept" | "drop" | "continue" | "return";
}

/** `jump CHAIN` (come back on return) or `goto CHAIN` (do not). JSON `{"jump":{"target"}}`. */
export interface NftChainVerdict {
  readonly kind: "jump" | "goto";
  readonly target: string;
}

/** A verdict: a statement, and also a value in verdict maps. */
export type NftVerdict = NftSimpleVerdict | NftChainVerdict;

/** Anything that reads packet, metadata or state. */
export type NftSelector =
  | NftPayload
  | NftRawPayload
  | NftExthdr
  | NftTcpOption
  | NftIpOption
  | NftMeta
  | NftCt
  | NftFib
  | NftSocket
  | NftNumgen
  | NftJhash
  | NftSymhash
  | NftRt
  | NftIpsec;

/**
 * Any expression: a selector, a constant, or a combination of them.
 *
 * @example
 * ```ts
 * const dport: NftExpr = { kind: "payload", protocol: "tcp", field: "dport" }; // tcp dport
 * const web: NftExpr = { kind: "set", elements: [{ kind: "number", value: 80 }, { kind: "number", value: 443 }] }; // { 80, 443 }
 * const lan: NftExpr = { kind: "prefix", addr: "10.0.0.0", len: 8 }; // 10.0.0.0/8
 * ```
 */
export type NftExpr =
  | NftSelector
  | NftNumber
  | NftString
  | NftSymbol
  | NftBoolean
  | NftPrefix
  | NftRange
  | NftList
  | NftAnonymousSet
  | NftMapping
  | NftElem
  | NftSetReference
  | NftConcat
  | NftBinop
  | NftMapLookup
  | NftVerdict;

// ---------------------------------------------------------------------------------------------------------------
// Statements
// ---------------------------------------------------------------------------------------------------------------

/**
 * Comparison operators of a match. `in` is nft's bitmask test (`ct state established,related`: any of these
 * bits set); use it only with bitmask-typed left sides (ct state/status/label, tcp flags).
 */
export type NftMatchOperator = "==" | "!=" | "<" | ">" | "<=" | ">=" | "in";

/**
 * `tcp dport 22`, `ip saddr != 10.0.0.0/8`, `meta mark & 0xff == 0x1`: compares `left` with `right`; the rule
 * stops here when it does not hold. JSON `{"match":{"op","left","right"}}`.
 */
export interface NftMatch {
  readonly kind: "match";
  readonly op: NftMatchOperator;
  readonly left: NftExpr;
  readonly right: NftExpr;
}

/** `counter`, `counter packets 5 bytes 300`: an anonymous counter in the rule. JSON `{"counter":{"packets","bytes"}}`. */
export interface NftCounter {
  readonly kind: "counter";
  readonly packets?: bigint;
  readonly bytes?: bigint;
}

/** The kinds of named stateful objects a rule can refer to. */
export type NftObjectType = "counter" | "quota" | "limit" | "ct helper" | "ct timeout";

/**
 * A reference to a named object of the table: `counter name "c"`, `quota name "q"`, `limit name "l"`,
 * `ct helper set "ftp"`, `ct timeout set "t"`. JSON `{"counter":"c"}`, `{"ct helper":"ftp"}`.
 */
export interface NftObjectReference {
  readonly kind: "objref";
  readonly type: NftObjectType;
  readonly name: string;
}

/** `meta mark set 0x1`, `ct mark set meta mark`, `ip dscp set cs1`: writes `value` into `key`. JSON `{"mangle":{"key","value"}}`. */
export interface NftMangle {
  readonly kind: "mangle";
  readonly key: NftExpr;
  readonly value: NftExpr;
}

/** Syslog levels of the log statement (`audit` logs to the audit subsystem instead). */
export type NftLogLevel = "emerg" | "alert" | "crit" | "err" | "warn" | "notice" | "info" | "debug" | "audit";

/** What the log statement adds to each message. */
export type NftLogFlag = "tcp sequence" | "tcp options" | "ip options" | "skuid" | "ether" | "all";

/**
 * `log prefix "x: " level info flags tcp sequence,options`, or with `group`, to nfnetlink_log (the NFLOG target).
 * JSON `{"log":{"prefix","group","snaplen","queue-threshold","level","flags"}}`.
 */
export interface NftLog {
  readonly kind: "log";
  readonly prefix?: string;
  readonly level?: NftLogLevel;
  readonly group?: number;
  readonly snaplen?: number;
  readonly queueThreshold?: number;
  readonly flags?: readonly NftLogFlag[];
}

/** How a reject statement answers. `code` is an ICMP code name of that type (`host-unreachable`, `admin-prohibited`). */
export type NftRejectWith =
  | { readonly type: "icmp" | "icmpv6" | "icmpx"; readonly code: string }
  | { readonly type: "tcp reset" };

/** `reject`, `reject with icmpx type admin-prohibited`, `reject with tcp reset`. JSON `{"reject":{"type","expr"}}`. */
export interface NftReject {
  readonly kind: "reject";
  readonly with?: NftRejectWith;
}

/** Time units of a rate. */
export type NftTimeUnit = "second" | "minute" | "hour" | "day" | "week";

/**
 * `limit rate [over] 10/second burst 5 packets`, `limit rate 1024 bytes/second burst 512 bytes`: a token bucket.
 * With `unit: "bytes"`, `rate` and `burst` are in bytes. JSON `{"limit":{"rate","per","burst","rate_unit","burst_unit","inv"}}`.
 */
export interface NftLimit {
  readonly kind: "limit";
  readonly rate: number;
  readonly per: NftTimeUnit;
  readonly unit: "packets" | "bytes";
  readonly burst?: number;
  /** Match when the rate is exceeded, not while under it. */
  readonly over?: boolean;
}

/** `quota [over] 100 bytes [used 5 bytes]`. JSON `{"quota":{"val","val_unit","used","used_unit","inv"}}`. */
export interface NftQuota {
  readonly kind: "quota";
  readonly bytes: bigint;
  readonly used?: bigint;
  /** Match once the quota is used up, not until then. */
  readonly over?: boolean;
}

/** `ct count [over] 10`: connections counted per rule (connlimit). JSON `{"ct count":{"val","inv"}}`. */
export interface NftCtCount {
  readonly kind: "ct count";
  readonly count: number;
  readonly over?: boolean;
}

/**
 * `add @s { ip saddr }`, `update @s { ip saddr timeout 30s limit rate over 10/second }`, `delete @s { ip saddr }`:
 * changes a named set from the packet path; `stmts` run per element (limit, counter, quota).
 * JSON `{"set":{"op","elem","set","stmt"}}`.
 */
export interface NftSetStatement {
  readonly kind: "set";
  readonly op: "add" | "update" | "delete";
  readonly set: string;
  readonly elem: NftExpr;
  readonly stmts?: readonly NftStatement[];
}

/** `meter NAME size N { key stmt }`: the older spelling of a set statement with an implicit set. JSON `{"meter":{...}}`. */
export interface NftMeter {
  readonly kind: "meter";
  readonly name: string;
  readonly key: NftExpr;
  readonly stmt: NftStatement;
  readonly size?: number;
}

/** Flags of the NAT statements. `netmap` is set by {@link NftNat.prefix}, never listed here. */
export type NftNatFlag = "random" | "fully-random" | "persistent";

/**
 * `snat ip to 1.2.3.4:80`, `dnat to 10.0.0.1-10.0.0.5:8080-8090 random`, `snat ip prefix to ip saddr map {...}`.
 * `family` is required in inet tables. JSON `{"snat":{"family","addr","port","flags","type_flags"}}`.
 */
export interface NftNat {
  readonly kind: "snat" | "dnat";
  readonly family?: NftIpFamily;
  readonly addr?: NftExpr;
  /** Needs a transport protocol match earlier in the rule. */
  readonly port?: NftExpr;
  readonly flags?: readonly NftNatFlag[];
  /** Map whole prefixes (`prefix to`, the NETMAP target); `addr` is then a map of prefixes to prefixes. */
  readonly prefix?: boolean;
}

/** `masquerade [to :PORTS] [flags]`, `redirect [to :PORT] [flags]`. JSON `{"masquerade":{"port","flags"}}` (or null). */
export interface NftPortNat {
  readonly kind: "masquerade" | "redirect";
  readonly port?: NftExpr;
  readonly flags?: readonly NftNatFlag[];
}

/** `tproxy ip to 1.2.3.4:80`, `tproxy to :80`. JSON `{"tproxy":{"family","addr","port"}}`. */
export interface NftTproxy {
  readonly kind: "tproxy";
  readonly family?: NftIpFamily;
  readonly addr?: NftExpr;
  readonly port?: NftExpr;
}

/**
 * `queue flags bypass,fanout to 1-3`: hands the packet to userspace (NFQUEUE). `num` is a number or a range.
 * JSON `{"queue":{"num","flags"}}`.
 */
export interface NftQueue {
  readonly kind: "queue";
  readonly num?: NftExpr;
  readonly flags?: readonly ("bypass" | "fanout")[];
}

/** `dup to 1.2.3.4 device "eth0"`: sends a copy of the packet (the TEE target). JSON `{"dup":{"addr","dev"}}`. */
export interface NftDup {
  readonly kind: "dup";
  readonly addr: NftExpr;
  readonly dev?: NftExpr;
}

/** `synproxy mss 1460 wscale 7 timestamp sack-perm`. JSON `{"synproxy":{"mss","wscale","flags"}}`. */
export interface NftSynproxy {
  readonly kind: "synproxy";
  readonly mss?: number;
  readonly wscale?: number;
  readonly flags?: readonly ("timestamp" | "sack-perm")[];
}

/** `notrack`: no connection tracking for this packet. JSON `{"notrack":null}`. */
export interface NftNotrack {
  readonly kind: "notrack";
}

/** `tcp dport vmap { 22 : accept, 80 : jump web }`: a verdict looked up by key. JSON `{"vmap":{"key","data"}}`. */
export interface NftVerdictMap {
  readonly kind: "vmap";
  readonly key: NftExpr;
  readonly data: NftExpr;
}

/**
 * The escape hatch: a statement the model cannot express, given in both forms verbatim. Every use must say why
 * in `reason`; the printers copy `text` and `json` unchecked.
 */
export interface NftRawStatement {
  readonly kind: "raw";
  readonly text: string;
  readonly json: NftJsonValue;
  readonly reason: string;
}

/**
 * Anything a rule is made of.
 *
 * @example
 * ```ts
 * const fromLoopback: NftStatement = { kind: "match", op: "==", left: { kind: "meta", key: "iifname" }, right: { kind: "string", value: "lo" } };
 * const accept: NftStatement = { kind: "accept" };
 * const rule: NftRule = { kind: "rule", exprs: [fromLoopback, accept] }; // iifname "lo" accept
 * ```
 */
export type NftStatement =
  | NftMatch
  | NftVerdict
  | NftCounter
  | NftObjectReference
  | NftMangle
  | NftLog
  | NftReject
  | NftLimit
  | NftQuota
  | NftCtCount
  | NftSetStatement
  | NftMeter
  | NftNat
  | NftPortNat
  | NftTproxy
  | NftQueue
  | NftDup
  | NftSynproxy
  | NftNotrack
  | NftVerdictMap
  | NftRawStatement;

/**
 * A JSON value, as {@link NftRawStatement} carries it; bigints are numbers too big for a double.
 *
 * @example
 * ```ts
 * const json: NftJsonValue = { mangle: { key: { meta: { key: "nftrace" } }, value: 1 } };
 * const trace: NftStatement = { kind: "raw", text: "meta nftrace set 1", json, reason: "the model has no nftrace key" };
 * ```
 */
export type NftJsonValue = null | boolean | number | bigint | string | readonly NftJsonValue[] | { readonly [key: string]: NftJsonValue };

// ---------------------------------------------------------------------------------------------------------------
// Ruleset
// ---------------------------------------------------------------------------------------------------------------

/** Packet and byte counts, as iptables-save's `[packets:bytes]` gives them. */
export interface NftCounterValues {
  readonly packets: bigint;
  readonly bytes: bigint;
}

/**
 * One rule: statements in order, an optional comment (nft's `comment "…"`, kept by the kernel), and `#` lines
 * printed above it in text (dropped in JSON, which has no comments).
 *
 * @example
 * ```ts
 * const rule: NftRule = {
 *   kind: "rule",
 *   exprs: [{ kind: "match", op: "==", left: { kind: "payload", protocol: "tcp", field: "dport" }, right: { kind: "number", value: 22 } }, { kind: "accept" }],
 *   comment: "ssh",
 *   counter: { packets: 5n, bytes: 300n },
 * };
 * // printed: tcp dport 22 counter packets 5 bytes 300 accept comment "ssh"
 * ```
 */
export interface NftRule {
  readonly kind: "rule";
  readonly exprs: readonly NftStatement[];
  readonly comment?: string;
  readonly leadingComments?: readonly string[];
  /**
   * The rule counts packets, starting from these values. Printed as a counter statement right after the rule's
   * last condition (match, limit, quota, ct count, set or meter statement), so it counts exactly the packets
   * that satisfied all of them, as an iptables rule counter does.
   */
  readonly counter?: NftCounterValues;
  /** Where the rule came from (the nft text it was parsed from, or the rule it was translated from). */
  readonly span?: Span;
}

/** Chain types. */
export type NftChainType = "filter" | "nat" | "route";

/** Netfilter hooks of the ip, ip6 and inet families. */
export type NftHook = "prerouting" | "input" | "forward" | "output" | "postrouting";

/**
 * What makes a chain a base chain: hook, type and priority come together or not at all, so a half-declared
 * base chain cannot be written.
 *
 * @example
 * ```ts
 * const input: NftBaseChain = { type: "filter", hook: "input", priority: 0, policy: "drop" };
 * // printed: type filter hook input priority filter; policy drop;
 * ```
 */
export interface NftBaseChain {
  readonly type: NftChainType;
  readonly hook: NftHook;
  /** Printed as `raw`, `mangle`, `dstnat`, `filter`, `security` or `srcnat` when it equals one valid for the hook. */
  readonly priority: number;
  readonly policy?: "accept" | "drop";
}

/**
 * A chain: base (attached to a hook) when `base` is given, regular (reached by jump/goto) otherwise.
 *
 * @example
 * ```ts
 * const fromLo: NftChain = { kind: "chain", name: "from-lo", rules: [{ kind: "rule", exprs: [{ kind: "counter" }, { kind: "accept" }] }] };
 * const input: NftChain = {
 *   kind: "chain",
 *   name: "input",
 *   base: { type: "filter", hook: "input", priority: 0, policy: "drop" },
 *   rules: [{ kind: "rule", exprs: [{ kind: "match", op: "==", left: { kind: "meta", key: "iifname" }, right: { kind: "string", value: "lo" } }, { kind: "jump", target: "from-lo" }] }],
 * };
 * ```
 */
export interface NftChain {
  readonly kind: "chain";
  readonly name: string;
  readonly base?: NftBaseChain;
  readonly rules: readonly NftRule[];
  /** nft's chain comment. nft 1.0.6 keeps it from text input only; its JSON parser ignores it. */
  readonly comment?: string;
  /** `#` lines printed above the chain in text (dropped in JSON). */
  readonly leadingComments?: readonly string[];
  /** `#` lines printed after the chain's last rule in text (dropped in JSON). */
  readonly trailingComments?: readonly string[];
  readonly span?: Span;
}

/** Data types of set keys and map values (`type ipv4_addr . inet_service`). */
export type NftDataType =
  | "ipv4_addr"
  | "ipv6_addr"
  | "ether_addr"
  | "inet_proto"
  | "inet_service"
  | "mark"
  | "ifname"
  | "iface_index"
  | "iface_type"
  | "realm"
  | "classid"
  | "devgroup"
  | "uid"
  | "gid"
  | "pkt_type"
  | "nf_proto"
  | "ether_type"
  | "tcp_flag"
  | "icmp_type"
  | "icmp_code"
  | "icmpv6_type"
  | "icmpv6_code"
  | "icmpx_code"
  | "dscp"
  | "ecn"
  | "ct_state"
  | "ct_status"
  | "ct_dir"
  | "ct_label"
  | "time"
  | "day"
  | "hour"
  | "boolean";

/** Set flags. `dynamic` (updated from the packet path) is text-only in nft 1.0.6, whose JSON parser rejects it. */
export type NftSetFlag = "constant" | "interval" | "timeout" | "dynamic";

/** What named sets and maps have in common. */
interface NftSetBase {
  readonly name: string;
  /** The key type; more than one is a concatenation. */
  readonly type: readonly [NftDataType, ...NftDataType[]];
  readonly flags?: readonly NftSetFlag[];
  /** Default element timeout in seconds. */
  readonly timeout?: number;
  readonly gcInterval?: number;
  readonly size?: number;
  readonly policy?: "performance" | "memory";
  /** Kept by nft 1.0.6 from text input only; its JSON parser ignores set and map comments. */
  readonly comment?: string;
  readonly span?: Span;
}

/**
 * A named set: `set NAME { type …; flags …; elements = { … } }`. JSON `{"set":{...}}`.
 *
 * @example
 * ```ts
 * const allowed: NftSet = { kind: "set", name: "allowed", type: ["ipv4_addr"], flags: ["interval"], elements: [{ kind: "prefix", addr: "10.0.0.0", len: 8 }] };
 * // a rule refers to it by name: ip saddr @allowed accept
 * const rule: NftRule = {
 *   kind: "rule",
 *   exprs: [{ kind: "match", op: "==", left: { kind: "payload", protocol: "ip", field: "saddr" }, right: { kind: "set reference", name: "allowed" } }, { kind: "accept" }],
 * };
 * ```
 */
export interface NftSet extends NftSetBase {
  readonly kind: "set";
  readonly elements?: readonly NftExpr[];
  /** Every element carries a counter (`counter` in text; `"stmt":[{"counter":null}]` in JSON). */
  readonly counter?: boolean;
}

/**
 * A named map: `map NAME { type KEY : VALUE; elements = { k : v } }`. JSON `{"map":{...,"map":VALUE}}`.
 *
 * @example
 * ```ts
 * const ports: NftMap = { kind: "map", name: "ports", type: ["inet_service"], map: "verdict", elements: [{ kind: "mapping", key: { kind: "number", value: 22 }, value: { kind: "accept" } }] };
 * // tcp dport vmap @ports
 * const lookup: NftStatement = { kind: "vmap", key: { kind: "payload", protocol: "tcp", field: "dport" }, data: { kind: "set reference", name: "ports" } };
 * ```
 */
export interface NftMap extends NftSetBase {
  readonly kind: "map";
  /** The value type: a data type, or `verdict` for verdict maps. */
  readonly map: NftDataType | "verdict";
  readonly elements?: readonly NftMapping[];
}

/** `ct helper NAME { type "ftp" protocol tcp; l3proto ip; }`: a conntrack helper rules can assign. */
export interface NftCtHelperObject {
  readonly kind: "ct helper";
  readonly name: string;
  /** The kernel helper's name (`ftp`, `tftp`, `sip`, …). */
  readonly type: string;
  readonly protocol: "tcp" | "udp";
  readonly l3proto?: NftFamily;
  readonly span?: Span;
}

/** `counter NAME { packets 0 bytes 0 }`: a named counter (nfacct). */
export interface NftCounterObject {
  readonly kind: "counter";
  readonly name: string;
  readonly packets?: bigint;
  readonly bytes?: bigint;
  readonly comment?: string;
  readonly span?: Span;
}

/** `quota NAME { over 100 bytes used 0 bytes }`: a named quota. */
export interface NftQuotaObject {
  readonly kind: "quota";
  readonly name: string;
  readonly bytes: bigint;
  readonly used?: bigint;
  readonly over?: boolean;
  readonly span?: Span;
}

/** `limit NAME { rate 10/second burst 5 packets }`: a named limit. */
export interface NftLimitObject {
  readonly kind: "limit";
  readonly name: string;
  readonly rate: number;
  readonly per: NftTimeUnit;
  readonly unit: "packets" | "bytes";
  readonly burst?: number;
  readonly over?: boolean;
  readonly span?: Span;
}

/**
 * `ct timeout NAME { protocol tcp; l3proto ip; policy = { established: 100 } }`: conntrack timeouts per state,
 * in seconds (the CT target's `--timeout`). Policy entries are printed sorted by state name.
 *
 * Only the text form is faithful with nft 1.0.6: its JSON parser ignores `l3proto` and `policy`, loading an
 * object with the table's family and an empty policy. Load rulesets with ct timeouts from text.
 */
export interface NftCtTimeoutObject {
  readonly kind: "ct timeout";
  readonly name: string;
  readonly protocol: "tcp" | "udp" | "dccp" | "sctp" | "gre" | "icmp" | "icmpv6" | "generic";
  readonly l3proto?: NftFamily;
  readonly policy: Readonly<Record<string, number>>;
  readonly span?: Span;
}

/**
 * A named stateful object of a table.
 *
 * @example
 * ```ts
 * const web: NftObject = { kind: "counter", name: "web" };
 * // a rule counts into it with: counter name "web"
 * const count: NftStatement = { kind: "objref", type: "counter", name: "web" };
 * ```
 */
export type NftObject = NftCtHelperObject | NftCounterObject | NftQuotaObject | NftLimitObject | NftCtTimeoutObject;

/**
 * A table. Printed in the order nft itself lists one: objects, sets, maps, then chains (in JSON all chains come
 * before any rule, so jumps always find their target).
 *
 * @example
 * ```ts
 * const table: NftTable = {
 *   kind: "table", family: "inet", name: "filter", objects: [], sets: [], maps: [],
 *   chains: [{ kind: "chain", name: "input", base: { type: "filter", hook: "input", priority: 0, policy: "accept" }, rules: [] }],
 * };
 * printNftText({ kind: "ruleset", tables: [table] });
 * // table inet filter {
 * // 	chain input {
 * // 		type filter hook input priority filter; policy accept;
 * // 	}
 * // }
 * ```
 */
export interface NftTable {
  readonly kind: "table";
  readonly family: NftFamily;
  readonly name: string;
  readonly objects: readonly NftObject[];
  readonly sets: readonly NftSet[];
  readonly maps: readonly NftMap[];
  readonly chains: readonly NftChain[];
  /** nft's table comment. nft 1.0.6 keeps it from text input only; its JSON parser ignores it. */
  readonly comment?: string;
  /** `#` lines printed above the table in text (dropped in JSON). */
  readonly leadingComments?: readonly string[];
  readonly span?: Span;
}

/**
 * A whole nft ruleset: the tables it defines, printed in the given order.
 *
 * @example
 * ```ts
 * const { value } = parseRuleset(text);
 * const ruleset: NftRuleset | undefined = value && translate(value).value?.nft;
 * if (ruleset) console.log(ruleset.tables.map((t) => `${t.family} ${t.name}`)); // ["ip nat", "ip filter"]
 * ```
 */
export interface NftRuleset {
  readonly kind: "ruleset";
  readonly tables: readonly NftTable[];
}

// ---------------------------------------------------------------------------------------------------------------
// Meaning shared by both printers
// ---------------------------------------------------------------------------------------------------------------

/**
 * True for statements that can end a rule's evaluation without a verdict (the rule "does not match"): matches
 * and the stateful tests. A rule's {@link NftRule.counter} goes after the last of them.
 */
export function isConditionStatement(stmt: NftStatement): boolean {
  switch (stmt.kind) {
    case "match":
    case "limit":
    case "quota":
    case "ct count":
    case "set":
    case "meter":
      return true;
    case "objref":
      // A named limit or quota tests like an anonymous one; a named counter or helper only acts.
      return stmt.type === "limit" || stmt.type === "quota";
    case "accept":
    case "drop":
    case "continue":
    case "return":
    case "jump":
    case "goto":
    case "counter":
    case "mangle":
    case "log":
    case "reject":
    case "snat":
    case "dnat":
    case "masquerade":
    case "redirect":
    case "tproxy":
    case "queue":
    case "dup":
    case "synproxy":
    case "notrack":
    case "vmap":
    case "raw":
      return false;
    default:
      return assertNever(stmt);
  }
}

/**
 * The statements a rule prints, in order: its own, with the counter of {@link NftRule.counter} inserted after
 * the last condition statement.
 */
export function ruleStatements(rule: NftRule): readonly NftStatement[] {
  if (rule.counter === undefined) return rule.exprs;
  const exprs = rule.exprs;
  let at = 0;
  for (let i = 0; i < exprs.length; i++) if (isConditionStatement(exprs[i] as NftStatement)) at = i + 1;
  const counter: NftCounter = { kind: "counter", packets: rule.counter.packets, bytes: rule.counter.bytes };
  const out = exprs.slice(0, at);
  out.push(counter);
  for (let i = at; i < exprs.length; i++) out.push(exprs[i] as NftStatement);
  return out;
}

/** Fails loudly on a union member a switch forgot; the type checker makes this unreachable. */
export function assertNever(value: never): never {
  throw new Error(`unhandled nft node ${JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))}`);
}
