/**
 * The table of match modules the parser knows. Adding a schema here adds its node to {@link KnownMatch}.
 * @module
 */
import type { NodeOf } from "../schema.js";
import { connbytesSchema, connlabelSchema, connlimitSchema, conntrackSchema, helperSchema, stateSchema } from "./conntrack.js";
import { connmarkSchema, markSchema } from "./marks.js";
import { bpfSchema, commentSchema, nfacctSchema, ownerSchema, physdevSchema, rpfilterSchema, socketSchema, stringSchema, timeSchema, u32Schema } from "./meta.js";
import { addrtypeSchema, iprangeSchema, multiportSchema, policySchema } from "./addresses.js";
import {
  cgroupSchema,
  clusterSchema,
  cpuSchema,
  devgroupSchema,
  dscpSchema,
  dstSchema,
  ecnSchema,
  fragSchema,
  hbhSchema,
  hlSchema,
  ipv6headerSchema,
  lengthSchema,
  macSchema,
  pkttypeSchema,
  realmSchema,
  rtSchema,
  tcpmssSchema,
  tosSchema,
  ttlSchema,
} from "./packet.js";
import { ahSchema, dccpSchema, espSchema, icmp6Schema, icmpSchema, ipcompSchema, mhSchema, sctpSchema, tcpSchema, udpSchema } from "./protocols.js";
import { hashlimitSchema, limitSchema, quotaSchema, recentSchema, statisticSchema } from "./rates.js";
import { setSchema } from "./sets.js";

/**
 * Every known match module schema, keyed by its `-m` name.
 *
 * @example
 * ```ts
 * matchSchemas.tcp.options.dport.names; // ["--dport", "--destination-port"]: canonical spelling first
 * matchSchemas.tcp.options.dport.negatable; // true
 * Object.keys(matchSchemas).includes("conntrack"); // true
 * ```
 */
export const matchSchemas = {
  addrtype: addrtypeSchema,
  ah: ahSchema,
  cgroup: cgroupSchema,
  cluster: clusterSchema,
  cpu: cpuSchema,
  dccp: dccpSchema,
  devgroup: devgroupSchema,
  dscp: dscpSchema,
  dst: dstSchema,
  ecn: ecnSchema,
  esp: espSchema,
  frag: fragSchema,
  hbh: hbhSchema,
  hl: hlSchema,
  icmp: icmpSchema,
  icmp6: icmp6Schema,
  ipcomp: ipcompSchema,
  iprange: iprangeSchema,
  ipv6header: ipv6headerSchema,
  length: lengthSchema,
  mac: macSchema,
  mh: mhSchema,
  multiport: multiportSchema,
  pkttype: pkttypeSchema,
  policy: policySchema,
  realm: realmSchema,
  rt: rtSchema,
  sctp: sctpSchema,
  tcpmss: tcpmssSchema,
  tos: tosSchema,
  ttl: ttlSchema,
  bpf: bpfSchema,
  comment: commentSchema,
  connbytes: connbytesSchema,
  connlabel: connlabelSchema,
  connlimit: connlimitSchema,
  connmark: connmarkSchema,
  conntrack: conntrackSchema,
  hashlimit: hashlimitSchema,
  helper: helperSchema,
  limit: limitSchema,
  mark: markSchema,
  nfacct: nfacctSchema,
  owner: ownerSchema,
  physdev: physdevSchema,
  quota: quotaSchema,
  recent: recentSchema,
  rpfilter: rpfilterSchema,
  set: setSchema,
  socket: socketSchema,
  state: stateSchema,
  statistic: statisticSchema,
  string: stringSchema,
  time: timeSchema,
  u32: u32Schema,
  tcp: tcpSchema,
  udp: udpSchema,
} as const;

/**
 * A match module the parser knows, with typed options.
 *
 * @example
 * ```ts
 * const describe = (m: KnownMatch): string => (m.kind === "tcp" && m.dport ? `tcp dport ${m.dport.value.from}` : m.kind);
 * ```
 */
export type KnownMatch = NodeOf<(typeof matchSchemas)[keyof typeof matchSchemas]>;
