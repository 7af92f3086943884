/**
 * Why our translation of a netfilter txlate case differs from netfilter's expected text, keyed by `file:line`
 * of the case. Hand-written: each entry says what is wrong with, or missing from, netfilter's form, or what
 * ipt2nft writes differently for the same packets, so a reader can check it against the kernel source named.
 * test/txlate/conformance.test.ts requires an entry for every case where the kernel holds different rules, and
 * for every refusal where netfilter's form loads; an entry no case needs is reported as stale.
 * @module
 */

/** iptables itself cannot load the rule: the match needs its protocol given with -p. */
const kernelRefusesWithoutProtocol = (match: string, protocol: string): string =>
  `iptables cannot load this rule: ${match} declares protocol ${protocol} (x_tables refuses it without -p ${protocol}), so netfilter translates a rule that never existed`;

/** A full port or SPI range: netfilter keeps only the protocol, ours still reads the header. */
const fullRangeReadsHeader = (header: string, module: string): string =>
  `netfilter drops the full range and keeps only the protocol; ours keeps reading the ${header} header, which fails for non-first fragments (no ${header} header there), as ${module} does not match them either`;

const ctAddress =
  "same packets: ours reads the conntrack address with the family-specific key (ct original ip saddr, NFT_CT_SRC_IP), netfilter's with the generic one (ct original saddr, NFT_CT_SRC); both compare the same 4 bytes of an IPv4 conntrack";

const ctExpire =
  "xt_conntrack compares whole seconds left (--ctexpire 3 means 3000–3999 ms); nft's ct expiration counts milliseconds, so netfilter's `ct expiration 3` matches only at exactly 3000 ms";

const optionLength = (module: string, field: string, value: number): string =>
  `${module} compares the header's length in bytes, (${field} + 1) * 8 (ipv6_optlen), with ${value}: netfilter compares the raw ${field} field`;

const tproxyDrop =
  "when no socket takes the packet TPROXY drops it (xt_TPROXY returns NF_DROP), while nft's tproxy statement only ends the rule and the packet goes on; ours drops it in a helper chain after the tproxy rule";

const tosEcn =
  "TOS writes the whole traffic class byte, ECN bits included (tos_tg6: (tc & ~mask) ^ value); netfilter's form sets only the DSCP and drops the value's two ECN bits";

const tosSymbolic =
  "a symbolic TOS value implies the mask 0x3f (xtopt_parse_tosmask uses the option's max for names), so TOS keeps the top two DSCP bits and sets the ECN bits; netfilter's form overwrites the whole DSCP and leaves ECN alone";

const timeWholeSeconds =
  "xt_time compares whole seconds (ktime_get_real_seconds) and has --datestop 2038-01-19 03:14:07 (INT_MAX) by default; ours checks meta time below the next whole second of the stop date, netfilter's form drops the default stop date or ends the range at the stop second's first nanosecond";

const lengthField =
  "xt_length compares the IP header's length (tot_len; payload_len + 40 for IPv6), which ours reads as ip length; netfilter's meta length is the skb's length, which differs when the frame carries padding";

const cluster =
  "netfilter's form hashes the connection itself where xt_cluster hashes the master of an expected connection, and sets pkt_type only on matching packets where xt_cluster rewrites it on every unicast packet it sees; nft 1.0.6 cannot even list the form back (netlink_parse_concat_expr aborts)";

/** iptables itself cannot load the rule: an option of the match needs -p tcp. */
const kernelRefusesOption = (option: string): string =>
  `iptables cannot load this rule: ${option} needs -p tcp (xt_ecn's checkentry refuses it otherwise), so netfilter translates a rule that never existed`;

/** Reason for each case whose translation differs from netfilter's on purpose. */
export const differences: Readonly<Record<string, string>> = {
  // IPv6 extension headers: the kernel compares lengths in bytes and the reserved fields against 0.
  "libip6t_ah.txlate:7": "ip6t_ah compares --ahlen with the header's length in bytes, (hdrlength + 2) * 4 (ipv6_authlen): 120 bytes is hdrlength 28; netfilter compares the raw field with 120",
  "libip6t_ah.txlate:10": "--ahres matches an AH header whose reserved field is 0 (ip6t_ah: !(hdrres && ah->reserved)); netfilter's form matches reserved == 1",
  "libip6t_ah.txlate:13": "ip6t_ah compares --ahlen with the header's length in bytes, (hdrlength + 2) * 4: 120 bytes is hdrlength 28; netfilter compares the raw field with 120",
  "libip6t_ah.txlate:16": "--ahlen 120 is hdrlength 28 ((hdrlength + 2) * 4 bytes) and --ahres means reserved == 0 (ip6t_ah); netfilter's form compares hdrlength with 120 and reserved with 1",
  "libip6t_frag.txlate:4": "--fragres matches when the reserved byte and the two reserved bits of the offset field are 0 (ip6t_frag: !(fh->reserved || frag_off & 0x6)); netfilter's form matches reserved == 1 and ignores the reserved bits",
  "libip6t_hbh.txlate:1": `${optionLength("ip6t_hbh", "hdrlength", 22)}; 22 is not a multiple of 8, so the rule never matches, which ours says`,
  "libip6t_hbh.txlate:4": `${optionLength("ip6t_hbh", "hdrlength", 22)}; no header is 22 bytes long, so ! --hbh-len 22 matches every hop-by-hop header`,
  "libip6t_rt.txlate:4": `${optionLength("ip6t_rt", "hdrlength", 22)}; no header is 22 bytes long, so ! --rt-len 22 matches every routing header`,
  "libip6t_rt.txlate:10": `${optionLength("ip6t_rt", "hdrlength", 22)}; 22 is not a multiple of 8, so the rule never matches, which ours says`,
  "libip6t_rt.txlate:13": `${optionLength("ip6t_rt", "hdrlength", 22)}; 22 is not a multiple of 8, so the rule never matches, which ours says`,
  "libip6t_mh.txlate:1": "same packets: netfilter leaves out -p mh because mh type finds the mobility header itself, and in IPv6 it is found exactly when it is the upper-layer header; ours keeps -p mh as meta l4proto mobility-header",
  "libip6t_mh.txlate:4": "same packets: netfilter leaves out -p mh because mh type finds the mobility header itself, and in IPv6 it is found exactly when it is the upper-layer header; ours keeps -p mh as meta l4proto mobility-header",
  "libip6t_mh.txlate:7": "same packets: netfilter leaves out -p mh because exthdr mh finds the mobility header itself, and in IPv6 it is found exactly when it is the upper-layer header; ours keeps -p mh as meta l4proto mobility-header",
  "libip6t_mh.txlate:13": "same packets (none): netfilter leaves out -p mh because mh type finds the mobility header itself; ours keeps -p mh as meta l4proto mobility-header",
  "libip6t_mh.txlate:10": kernelRefusesWithoutProtocol("-m mh", "mobility-header"),
  "libip6t_icmp6.txlate:1": kernelRefusesWithoutProtocol("-m icmp6", "ipv6-icmp"),
  "libip6t_icmp6.txlate:4": kernelRefusesWithoutProtocol("-m icmp6", "ipv6-icmp"),
  "libip6t_icmp6.txlate:7": kernelRefusesWithoutProtocol("-m icmp6", "ipv6-icmp"),
  "libipt_icmp.txlate:1": kernelRefusesWithoutProtocol("-m icmp", "icmp"),
  "libipt_icmp.txlate:4": kernelRefusesWithoutProtocol("-m icmp", "icmp"),
  "libipt_icmp.txlate:7": kernelRefusesWithoutProtocol("-m icmp", "icmp"),
  "libipt_icmp.txlate:10": kernelRefusesWithoutProtocol("-m icmp", "icmp"),
  "libipt_icmp.txlate:13": kernelRefusesWithoutProtocol("-m icmp", "icmp"),
  "libipt_icmp.txlate:16": kernelRefusesWithoutProtocol("-m icmp", "icmp"),
  "libxt_ipcomp.txlate:1": kernelRefusesWithoutProtocol("-m ipcomp", "ipcomp"),
  "libxt_ipcomp.txlate:4": kernelRefusesWithoutProtocol("-m ipcomp", "ipcomp"),
  "libxt_sctp.txlate:1": kernelRefusesWithoutProtocol("-m sctp", "sctp"),
  "libxt_tcpmss.txlate:1": kernelRefusesWithoutProtocol("-m tcpmss", "tcp"),
  "libxt_tcpmss.txlate:4": kernelRefusesWithoutProtocol("-m tcpmss", "tcp"),
  "libxt_tcpmss.txlate:7": kernelRefusesWithoutProtocol("-m tcpmss", "tcp"),
  "libxt_tcpmss.txlate:10": kernelRefusesWithoutProtocol("-m tcpmss", "tcp"),
  "libxt_ecn.txlate:25": kernelRefusesOption("--ecn-tcp-ece"),
  "libxt_ecn.txlate:28": kernelRefusesOption("--ecn-tcp-cwr"),
  "libxt_limit.txlate:7": "iptables cannot load this rule: xt_limit refuses a burst of 0 (limit_mt_check returns -ERANGE); netfilter's form quietly uses nft's default burst",

  // A full port or SPI range still needs the header: xt_* do not match non-first fragments.
  "libipt_ah.txlate:10": fullRangeReadsHeader("AH", "ipt_ah"),
  "libxt_esp.txlate:13": fullRangeReadsHeader("ESP", "xt_esp"),
  "libxt_sctp.txlate:4": fullRangeReadsHeader("SCTP", "xt_sctp"),
  "libxt_tcp.txlate:34": fullRangeReadsHeader("TCP", "xt_tcpudp"),
  "libxt_udp.txlate:13": fullRangeReadsHeader("UDP", "xt_tcpudp"),
  "libxt_tcp.txlate:28":
    "netfilter's `tcp option 23 exists` has no protocol check at all (nft adds no dependency for TCP options); ours checks the TCP header is there (tcp sport 0-65535, which also leaves out non-first fragments as xt_tcp does)",
  "libxt_tcp.txlate:31":
    "netfilter's form matches non-TCP packets: without a TCP header `tcp option 23 missing` is true (nft_exthdr_tcp_eval stores 0; a UDP packet was counted in a test), while -p tcp ! --tcp-option 23 matches only TCP; ours checks the TCP header first",

  // Marks, TOS, conntrack.
  "libxt_CONNMARK.txlate:7":
    "nft parses netfilter's `ct mark xor 0x16 and 0xffffffed` as ct mark ^ (0x16 & 0xffffffed) = ct mark ^ 0x4 (`and` binds tighter than `xor`); CONNMARK --set-xmark 0x16/0x12 sets (ct mark & ~0x12) ^ 0x16, which ours writes",
  "libxt_CONNMARK.txlate:22":
    "nft parses netfilter's `ct mark xor 0x23 and 0xffffff9c` as ct mark ^ (0x23 & 0xffffff9c) = ct mark, losing the 0x23; CONNMARK --set-mark 0x23/0x42 sets (ct mark & ~0x63) | 0x23 before the shift, which ours writes",
  "libxt_TOS.txlate:1": tosEcn,
  "libxt_TOS.txlate:4": tosEcn,
  "libxt_TOS.txlate:7": tosSymbolic,
  "libxt_TOS.txlate:10": tosSymbolic,
  "libxt_TOS.txlate:13": tosSymbolic,
  "libxt_conntrack.txlate:7":
    "same packets: a packet has exactly one conntrack state bit, so ct state != new (ours) and ct state & new == 0 (netfilter's `ct state ! new`) agree",
  "libxt_conntrack.txlate:16": ctAddress,
  "libxt_conntrack.txlate:19": ctAddress,
  "libxt_conntrack.txlate:22": ctAddress,
  "libxt_conntrack.txlate:25": ctAddress,
  "libxt_conntrack.txlate:28": ctAddress,
  "libxt_conntrack.txlate:46": ctExpire,
  "libxt_conntrack.txlate:52": `${ctExpire}; and ${ctAddress}`,
  "libxt_helper.txlate:1":
    "xt_helper compares only the first strlen(helper name) bytes of --helper (strncmp), so connections with a helper named s or si match --helper sip too; ours lists those names",

  // Matches where the kernel and netfilter's form disagree.
  "libxt_dccp.txlate:13": "--dccp-types INVALID is type 10 only (xt_dccp tests typemask bit 1 << type, and libxt_dccp sets bit 10 for INVALID); netfilter's form matches the reserved types 11-15 too",
  "libxt_dccp.txlate:16": "--dccp-types INVALID is type 10 only (xt_dccp tests typemask bit 1 << type, and libxt_dccp sets bit 10 for INVALID); netfilter's form matches the reserved types 11-15 too",
  "libxt_devgroup.txlate:16": "the `!` negates only --src-group; netfilter's form negates --dst-group 0xc/0xc too (oifgroup & 0xc != 0xc)",
  "libxt_length.txlate:1": lengthField,
  "libxt_length.txlate:4": lengthField,
  "libxt_length.txlate:7": lengthField,
  "libxt_length.txlate:10": lengthField,
  "libxt_rpfilter.txlate:1": "same packets: ours writes fib … oif exists (the fib present flag), netfilter's fib … oif != 0; the lookup gives oif 0 exactly when no route exists",
  "libxt_rpfilter.txlate:4": "same packets: ours writes fib … oif exists (the fib present flag), netfilter's fib … oif != 0; the lookup gives oif 0 exactly when no route exists",
  "libxt_rpfilter.txlate:7":
    "ours writes fib … oif missing (the fib present flag), netfilter's fib … oif 0, the same test; and ours adds ip6 saddr != ::, since ip6t_rpfilter passes packets from :: without a lookup (so inverted never matches them) while nft's fib looks :: up (checked on the kernel)",
  "libxt_socket.txlate:10": "same packets: with --nowildcard xt_socket matches whenever a socket is found; ours says so as socket transparent { 0, 1 }, netfilter's as socket wildcard <= 1",
  "libxt_time.txlate:1": timeWholeSeconds,
  "libxt_time.txlate:4": timeWholeSeconds,
  "libxt_time.txlate:7": timeWholeSeconds,
  "libxt_time.txlate:10": timeWholeSeconds,
  "libxt_time.txlate:13": timeWholeSeconds,
  "libxt_time.txlate:16": timeWholeSeconds,
  "libxt_time.txlate:19": timeWholeSeconds,
  "libxt_time.txlate:22": timeWholeSeconds,
  "libxt_time.txlate:25": timeWholeSeconds,
  "libxt_hashlimit.txlate:4":
    "same limiter: ours keys the set by ip saddr . ip daddr (netfilter: ip daddr . ip saddr), gives the 300 s expiry to the set instead of each update, and names the set hashlimit_https with a comment saying what it is",

  // Targets.
  "libxt_SYNPROXY.txlate:1":
    "nft's synproxy acts on any packet with SYN (or ACK) set, xt_SYNPROXY only on a bare SYN or a bare ACK and lets other packets continue; ours runs synproxy in a helper chain for just those two flag combinations",
  "libxt_TPROXY.txlate:1": tproxyDrop,
  "libxt_TPROXY.txlate:4": tproxyDrop,
  "libxt_TPROXY.txlate:7": tproxyDrop,
  "libxt_TPROXY.txlate:10": tproxyDrop,
  "libxt_TPROXY.txlate:13": tproxyDrop,
  "libxt_TPROXY.txlate:16": tproxyDrop,
  "libxt_TPROXY.txlate:19": tproxyDrop,

  // Refusals where netfilter's form loads but does not do what iptables does.
  "libxt_TCPMSS.txlate:1": "netfilter's form only rewrites an MSS option the SYN already has; TCPMSS also adds one when it is missing, which nft 1.0.6 cannot do",
  "libxt_TCPMSS.txlate:4": "netfilter's form only rewrites an MSS option the SYN already has; TCPMSS also adds one when it is missing, which nft 1.0.6 cannot do",
  "libxt_cgroup.txlate:1": "netfilter's meta cgroup also matches packets of TCP connection requests (it reads the listening socket), which xt_cgroup does not match",
  "libxt_cgroup.txlate:4": "netfilter's meta cgroup reads the listening socket for packets of TCP connection requests (skb_to_full_sk), where xt_cgroup sees no full socket and does not match",
  "libxt_cluster.txlate:1": cluster,
  "libxt_cluster.txlate:4": cluster,
  "libxt_cluster.txlate:7": cluster,
  "libxt_cluster.txlate:10": cluster,
  "libxt_cluster.txlate:16": cluster,
  "libxt_cluster.txlate:19": cluster,
  "libxt_cluster.txlate:22": cluster,
  "libxt_cluster.txlate:25": cluster,
  "libxt_connlabel.txlate:4": "netfilter's form never matches a packet without a connection, which ! --label does match",
  "libxt_hashlimit.txlate:1": "netfilter's form uses nft's plain byte token bucket; hashlimit counts bytes in 16-byte chunks and caps a packet's cost, so the two limit differently",
  "libxt_helper.txlate:4": "netfilter's form never matches a packet whose connection has no helper, which ! --helper ftp does match",
  "libxt_owner.txlate:7": "netfilter's form never matches packets without a socket (sent by the kernel itself), which ! --uid-owner does match",
  "libxt_sctp.txlate:46": "netfilter's form tests the flags of the first DATA chunk only; xt_sctp tests every DATA chunk of the packet",
  "libxt_socket.txlate:2": "netfilter's socket wildcard 0 stops the rule for TIME_WAIT and SYN_RECV sockets, which -m socket matches",
  "libxt_socket.txlate:5": "netfilter's socket wildcard 0 stops the rule for TIME_WAIT and SYN_RECV sockets, which -m socket matches",
  "libxt_socket.txlate:13": "netfilter's socket mark stops the rule for TIME_WAIT and SYN_RECV sockets, which -m socket --restore-skmark still matches",
  "libxt_socket.txlate:16": "netfilter's socket mark stops the rule for TIME_WAIT and SYN_RECV sockets, which -m socket --restore-skmark still matches",
};
