/**
 * Matches on IP header fields, IPv6 extension headers and where the packet is handled: length, ttl, hl, dscp,
 * tos, ecn, pkttype, tcpmss, frag, hbh, dst, rt, ipv6header, realm, devgroup, cpu, cgroup, cluster. Exact nft
 * text per form (typical, negated, edge values), refusals with their reasons, netfilter's txlate cases, and one
 * real kernel load of everything translated here, as text and as JSON.
 */
import { describe, expect, it } from "vitest";
import type { Family } from "../../src/ast/index.js";
import { ipv6PayloadLengths } from "../../src/translate/packet.js";
import { kernelSkipReason } from "../helpers/translate.js";
import { anchorRule, loadForReal, refusalsOf, translateMatch, txlateCasesIn, type MatchTranslation } from "./match-cases.js";
import { countPackets, countSkipReason, type CountRule } from "./packet-counts.js";


/** [command, family, the rule's nft text]. */
const translations: readonly (readonly [string, Family, string])[] = [
  // length: IPv4 tot_len is `ip length`; IPv6 adds the 40-byte header to the payload length in 16 bits.
  ["-A INPUT -m length --length 86:65535 -j DROP", "ipv4", "ip length 86-65535 drop"],
  ["-A INPUT -m length ! --length 40", "ipv4", "ip length != 40"],
  ["-A INPUT -m length --length 0:65535", "ipv4", ""],
  ["-A INPUT -m length ! --length 0:65535", "ipv6", "ip6 length != 0-65535"],
  ["-A INPUT -m length --length 1280:1500", "ipv6", "ip6 length 1240-1460"],
  ["-A INPUT -m length --length 86:65535", "ipv6", "ip6 length 46-65495"],
  ["-A INPUT -m length --length 0:100", "ipv6", "ip6 length { 0-60, 65496-65535 }"],
  ["-A INPUT -m length ! --length 20", "ipv6", "ip6 length != 65516"],
  // ttl, hl
  ["-A INPUT -m ttl --ttl-eq 3 -j ACCEPT", "ipv4", "ip ttl 3 accept"],
  ["-A INPUT -m ttl ! --ttl-eq 64", "ipv4", "ip ttl != 64"],
  ["-A INPUT -m ttl --ttl-lt 2", "ipv4", "ip ttl < 2"],
  ["-A INPUT -m ttl --ttl-gt 254", "ipv4", "ip ttl > 254"],
  ["-A INPUT -m ttl --ttl-lt 0", "ipv4", "ip ttl < 0"],
  ["-A INPUT -m hl --hl-eq 255", "ipv6", "ip6 hoplimit 255"],
  ["-A INPUT -m hl ! --hl-eq 1", "ipv6", "ip6 hoplimit != 1"],
  ["-A INPUT -m hl --hl-lt 5", "ipv6", "ip6 hoplimit < 5"],
  // dscp
  ["-A INPUT -m dscp --dscp 0x2e", "ipv4", "ip dscp 0x2e"],
  ["-A INPUT -m dscp ! --dscp-class AF41", "ipv6", "ip6 dscp != 0x22"],
  ["-A INPUT -m dscp --dscp 0", "ipv6", "ip6 dscp 0x0"],
  // tos: (tos & mask) == value, the value unmasked; IPv6 lists the traffic classes.
  ["-A INPUT -m tos --tos Minimize-Delay", "ipv4", "@nh,8,8 & 0x3f == 0x10"],
  ["-A INPUT -m tos ! --tos 0x10/0x3f", "ipv4", "@nh,8,8 & 0x3f != 0x10"],
  ["-A INPUT -m tos --tos 0xb8", "ipv4", "@nh,8,8 0xb8"],
  // Negated, the mask stays written out, or nft 1.0.6 would merge the test with `ip length != 40` into "not both".
  ["-A INPUT -m tos ! --tos 0xb8 -m length ! --length 40", "ipv4", "@nh,8,8 & 0xff != 0xb8 ip length != 40"],
  ["-A INPUT -m tos --tos 0xb8/0xfc", "ipv4", "ip dscp 0x2e"],
  ["-A INPUT -m tos ! --tos 0x03/0x03", "ipv4", "ip ecn != ce"],
  ["-A INPUT -m tos --tos 0x50/0x03", "ipv4", "ip length != 0-65535"],
  ["-A INPUT -m tos ! --tos 0x50/0x03", "ipv4", ""],
  ["-A INPUT -m tos --tos 0/0", "ipv4", ""],
  ["-A INPUT -m tos --tos Minimize-Delay", "ipv6", "@nh,4,8 { 0x10, 0x50, 0x90, 0xd0 }"],
  ["-A INPUT -m tos ! --tos 0xb8", "ipv6", "@nh,4,8 != 0xb8"],
  ["-A INPUT -m tos --tos 0x20/0xe0", "ipv6", "@nh,4,8 { 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f }"],
  ["-A INPUT -m tos --tos 0x01/0x03", "ipv6", "ip6 ecn ect1"],
  ["-A INPUT -m tos ! --tos 0x04/0x0c", "ipv6", "@nh,4,8 != { 0x4, 0x5, 0x6, 0x7, 0x14, 0x15, 0x16, 0x17, 0x24, 0x25, 0x26, 0x27, 0x34, 0x35, 0x36, 0x37, 0x44, 0x45, 0x46, 0x47, 0x54, 0x55, 0x56, 0x57, 0x64, 0x65, 0x66, 0x67, 0x74, 0x75, 0x76, 0x77, 0x84, 0x85, 0x86, 0x87, 0x94, 0x95, 0x96, 0x97, 0xa4, 0xa5, 0xa6, 0xa7, 0xb4, 0xb5, 0xb6, 0xb7, 0xc4, 0xc5, 0xc6, 0xc7, 0xd4, 0xd5, 0xd6, 0xd7, 0xe4, 0xe5, 0xe6, 0xe7, 0xf4, 0xf5, 0xf6, 0xf7 }"],
  // ecn: the IP code point; the TCP bits only where the rule already rules out later fragments.
  ["-A INPUT -m ecn --ecn-ip-ect 0", "ipv4", "ip ecn not-ect"],
  ["-A INPUT -m ecn ! --ecn-ip-ect 2", "ipv6", "ip6 ecn != ect0"],
  ["-A INPUT -p tcp -m tcp --dport 80 -m ecn --ecn-tcp-ece", "ipv4", "ip frag-off & 0x1fff == 0 tcp dport 80 tcp flags & ecn == ecn"],
  ["-A INPUT -p tcp -m tcp -m ecn ! --ecn-tcp-ece --ecn-tcp-cwr", "ipv6", "tcp flags & ecn == 0 tcp flags & cwr == cwr"],
  ["-A INPUT ! -f -p tcp -m ecn --ecn-tcp-cwr --ecn-ip-ect 3", "ipv4", "ip frag-off & 0x1fff == 0 ip ecn ce tcp flags & cwr == cwr"],
  // pkttype
  ["-A INPUT -m pkttype --pkt-type unicast", "ipv4", "meta pkttype host"],
  ["-A INPUT -m pkttype ! --pkt-type otherhost", "ipv6", "meta pkttype != other"],
  ["-A INPUT -m pkttype --pkt-type bcast", "ipv4", "meta pkttype broadcast"],
  // tcpmss: positive only, after a match that rules out later fragments.
  ["-A FORWARD -p tcp -m tcp --tcp-flags SYN,RST SYN -m tcpmss --mss 1400:1536", "ipv4", "ip frag-off & 0x1fff == 0 tcp flags & (syn | rst) == syn tcp option maxseg size 1400-1536"],
  ["-A FORWARD -p tcp -m tcp -m tcpmss --mss 536", "ipv6", "meta l4proto tcp tcp option maxseg size 536"],
  ["-A FORWARD ! -f -p tcp -m tcpmss --mss 0:65535", "ipv4", "meta l4proto tcp ip frag-off & 0x1fff == 0 tcp option maxseg size 0-65535"],
  // frag: --fraglen is ignored by the kernel; --fragres wants both reserved fields zero.
  ["-A INPUT -m frag --fragid 100:200 -j ACCEPT", "ipv6", "frag id 100-200 accept"],
  ["-A INPUT -m frag ! --fragid 100", "ipv6", "frag id != 100"],
  ["-A INPUT -m frag --fragres --fragfirst --fragmore", "ipv6", "frag reserved 0 frag reserved2 0 frag frag-off 0 frag more-fragments 1"],
  ["-A INPUT -m frag --fraglast", "ipv6", "frag more-fragments 0"],
  ["-A INPUT -m frag", "ipv6", "exthdr frag exists"],
  ["-A INPUT -m frag --fraglen 8", "ipv6", "exthdr frag exists"],
  ["-A INPUT -m frag --fragid 0:4294967295", "ipv6", "exthdr frag exists"],
  ["-A INPUT -m frag ! --fragid 0:4294967295", "ipv6", "frag id != 0-4294967295"],
  // hbh, dst: the length in bytes, (hdrlength + 1) * 8.
  ["-A INPUT -m hbh --hbh-len 8", "ipv6", "hbh hdrlength 0"],
  ["-A INPUT -m hbh ! --hbh-len 24", "ipv6", "hbh hdrlength != 2"],
  ["-A INPUT -m hbh", "ipv6", "exthdr hbh exists"],
  ["-A INPUT -m hbh --hbh-len 22", "ipv6", "hbh hdrlength != 0-255"],
  ["-A INPUT -m hbh ! --hbh-len 22", "ipv6", "exthdr hbh exists"],
  ["-A INPUT -m dst --dst-len 16", "ipv6", "dst hdrlength 1"],
  ["-A INPUT -m dst ! --dst-len 2048", "ipv6", "dst hdrlength != 255"],
  ["-A INPUT -m dst --dst-len 2056", "ipv6", "dst hdrlength != 0-255"],
  // rt: 8-bit type and segments left against 32-bit values; the length in bytes.
  ["-A INPUT -m rt --rt-type 2 -j DROP", "ipv6", "rt type 2 drop"],
  ["-A INPUT -m rt ! --rt-type 0", "ipv6", "rt type != 0"],
  ["-A INPUT -m rt --rt-type 300", "ipv6", "rt type != 0-255"],
  ["-A INPUT -m rt ! --rt-type 300", "ipv6", "exthdr rt exists"],
  ["-A INPUT -m rt --rt-segsleft 13:42", "ipv6", "rt seg-left 13-42"],
  ["-A INPUT -m rt --rt-segsleft 200:400", "ipv6", "rt seg-left 200-255"],
  ["-A INPUT -m rt ! --rt-segsleft 0:4294967295", "ipv6", "rt seg-left != 0-255"],
  ["-A INPUT -m rt --rt-segsleft 0:4294967295", "ipv6", "exthdr rt exists"],
  ["-A INPUT -m rt --rt-type 0 --rt-len 24 ! --rt-segsleft 1", "ipv6", "rt type 0 rt seg-left != 1 rt hdrlength 2"],
  // ipv6header: exact only where the Fragment header is required absent (or alone).
  ["-A INPUT -m ipv6header --header ipv6-frag --soft", "ipv6", "exthdr frag exists"],
  ["-A INPUT -m ipv6header ! --header ipv6-frag --soft", "ipv6", "exthdr frag missing"],
  ["-A INPUT -m ipv6header ! --header ipv6-frag,ipv6-route --soft", "ipv6", "exthdr rt missing exthdr frag missing"],
  ["-A INPUT -m ipv6header ! --header frag,auth --soft", "ipv6", "exthdr frag missing meta l4proto != 51"],
  ["-A INPUT -m ipv6header ! --header frag,auth,esp,none --soft", "ipv6", "exthdr frag missing meta l4proto != { 51, 50, 59 }"],
  ["-A INPUT -m ipv6header --header hop,protocol", "ipv6", "exthdr hbh exists exthdr dst missing exthdr rt missing exthdr frag missing meta l4proto != { 51, 50, 59 }"],
  ["-A INPUT -m ipv6header --header esp", "ipv6", "exthdr hbh missing exthdr dst missing exthdr rt missing exthdr frag missing meta l4proto 50"],
  ["-A INPUT -m ipv6header --header dst,none", "ipv6", "exthdr hbh missing exthdr dst exists exthdr rt missing exthdr frag missing meta l4proto 59"],
  // Every chain ends at ESP, No Next Header or a protocol: a list with none of them never matches.
  ["-A INPUT -m ipv6header --header auth", "ipv6", "ip6 length != 0-65535"],
  ["-A INPUT -m ipv6header --header esp,none", "ipv6", "ip6 length != 0-65535"],
  // realm, devgroup: (key & mask) == value, the value unmasked.
  ["-A INPUT -m realm --realm 4", "ipv4", "meta rtclassid 0x4"],
  ["-A INPUT -m realm ! --realm 1/0xf", "ipv4", "meta rtclassid & 0xf != 0x1"],
  ["-A INPUT -m realm --realm cosmos", "ipv4", "meta rtclassid 0x0"],
  ["-A INPUT -m realm --realm 5/1", "ipv4", "ip length != 0-65535"],
  ["-A INPUT -m realm ! --realm 5/1", "ipv4", ""],
  ["-A FORWARD -m devgroup --src-group 2 -j ACCEPT", "ipv4", "iifgroup 0x2 accept"],
  ["-A FORWARD -m devgroup ! --src-group 0x2 --dst-group 0xc/0xc", "ipv6", "iifgroup != 0x2 oifgroup & 0xc == 0xc"],
  ["-A OUTPUT -m devgroup ! --dst-group default", "ipv4", "oifgroup != 0x0"],
  // cpu
  ["-A INPUT -m cpu --cpu 3", "ipv4", "meta cpu 3"],
  ["-A INPUT -m cpu ! --cpu 0", "ipv6", "meta cpu != 0"],
  // cgroup: classids where no TCP request socket can be the packet's socket.
  ["-A OUTPUT -p udp -m cgroup --cgroup 0x100001 -j DROP", "ipv4", "meta l4proto udp meta cgroup 1048577 drop"],
  ["-A OUTPUT -p icmp -m cgroup ! --cgroup 7", "ipv4", "meta l4proto icmp meta cgroup != 7"],
];

/** [command, family, what the refusal says]. */
const refusals: readonly (readonly [string, Family, RegExp])[] = [
  ["-A INPUT -m ecn --ecn-tcp-ece", "ipv4", /needs -p tcp .*the kernel refuses/],
  ["-A INPUT -p tcp -m ecn --ecn-tcp-ece", "ipv4", /xt_ecn reads the TCP flags of a non-first fragment from the fragment's data/],
  ["-A INPUT -m tcpmss --mss 1000", "ipv6", /-m tcpmss needs -p tcp/],
  ["-A INPUT -p tcp -m tcpmss --mss 1000", "ipv4", /xt_tcpmss reads a non-first fragment's data as a TCP header/],
  ["-A INPUT -p tcp -m tcp -m tcpmss ! --mss 1000", "ipv4", /! --mss also matches packets without an MSS option/],
  ["-A INPUT -m hbh --hbh-opts 1:2", "ipv6", /--hbh-opts: nft 1.0.6 cannot walk the options inside an IPv6 Hop-by-Hop Options header/],
  ["-A INPUT -m dst --dst-len 8 --dst-opts 5", "ipv6", /--dst-opts: .*Destination Options header/],
  ["-A INPUT -m rt --rt-type 0 --rt-0-res", "ipv6", /--rt-0-res and --rt-0-addrs test type 0 routing headers/],
  ["-A INPUT -m rt --rt-type 0 --rt-0-addrs ::1,::2", "ipv6", /type 0 routing headers/],
  ["-A INPUT -m rt --rt-type 0 --rt-0-addrs ::1 --rt-0-not-strict", "ipv6", /--rt-0-not-strict searches the routing header's address list/],
  ["-A INPUT -m ipv6header --header ipv6-route --soft", "ipv6", /on a non-first fragment ip6t_ipv6header reads the fragment's data as further headers/],
  ["-A INPUT -m ipv6header --header frag,hop", "ipv6", /non-first fragment/],
  ["-A INPUT -m ipv6header ! --header hop,protocol", "ipv6", /! --header without --soft .* an or/],
  ["-A INPUT -m ipv6header --header auth,esp", "ipv6", /meta l4proto stops at an AH header/],
  ["-A INPUT -m ipv6header ! --header frag,esp --soft", "ipv6", /only visible to nft without an AH header/],
  ["-A OUTPUT -m cgroup --cgroup 1", "ipv4", /--cgroup: for packets of TCP connection requests .* listening socket's classid/],
  ["-A OUTPUT -p tcp -m cgroup --cgroup 1", "ipv6", /TCP connection requests/],
  ["-A OUTPUT -m cgroup --path user.slice", "ipv4", /--path: nft's socket cgroupv2 looks up a socket for incoming packets that carry none/],
  [
    "-t mangle -A PREROUTING -m cluster --cluster-total-nodes 2 --cluster-local-node 1 --cluster-hash-seed 0xdeadbeef",
    "ipv4",
    /xt_cluster hashes the master connection of expected connections.*rewrites pkt_type/,
  ],
];

/** Where our translation of a netfilter case differs from netfilter's text, and why (`ours` undefined: refused). */
const txlateDifferences: Readonly<Record<string, { readonly ours?: string; readonly refused?: RegExp; readonly why: string }>> = {
  "libxt_length.txlate:1": { ours: "meta l4proto icmp ip length 86-65535 drop", why: "xt_length reads the header's tot_len (`ip length`); `meta length` is skb->len, which differs for GSO and padded packets" },
  "libxt_length.txlate:4": { ours: "meta l4proto udp ip length 0-400", why: "tot_len, not skb->len (see above)" },
  "libxt_length.txlate:7": { ours: "meta l4proto udp ip length 40", why: "tot_len, not skb->len" },
  "libxt_length.txlate:10": { ours: "meta l4proto udp ip length != 40", why: "tot_len, not skb->len" },
  "libipt_ttl.txlate:4": { ours: "ip ttl > 5 accept", why: "same test, > for gt" },
  "libip6t_hl.txlate:1": { ours: "ip6 hoplimit > 3", why: "same test, > for gt" },
  "libxt_ecn.txlate:25": { refused: /needs -p tcp/, why: "the kernel refuses --ecn-tcp-ece without -p tcp (ecn_mt_check4): the rule never loads in iptables" },
  "libxt_ecn.txlate:28": { refused: /needs -p tcp/, why: "the kernel refuses --ecn-tcp-cwr without -p tcp" },
  "libxt_pkttype.txlate:1": { ours: "meta pkttype broadcast drop", why: "same test, meta written out" },
  "libxt_pkttype.txlate:4": { ours: "meta pkttype != host drop", why: "same test: host is nft's name for unicast" },
  "libxt_pkttype.txlate:7": { ours: "meta pkttype multicast accept", why: "same test, meta written out" },
  "libxt_tcpmss.txlate:1": { refused: /-m tcpmss needs -p tcp/, why: "the kernel refuses -m tcpmss without -p tcp (xt_match.proto)" },
  "libxt_tcpmss.txlate:4": { refused: /-m tcpmss needs -p tcp/, why: "the kernel refuses -m tcpmss without -p tcp; with it, ! --mss also matches packets without an MSS option" },
  "libxt_tcpmss.txlate:7": { refused: /-m tcpmss needs -p tcp/, why: "the kernel refuses -m tcpmss without -p tcp" },
  "libxt_tcpmss.txlate:10": { refused: /-m tcpmss needs -p tcp/, why: "the kernel refuses -m tcpmss without -p tcp" },
  "libip6t_frag.txlate:4": {
    ours: "frag id 100 frag reserved 0 frag reserved2 0 frag more-fragments 1 accept",
    why: "ip6t_frag's --fragres matches when the reserved byte and the two reserved flag bits are zero, not when they are 1",
  },
  "libip6t_hbh.txlate:1": { ours: "hbh hdrlength != 0-255", why: "--hbh-len counts bytes, (hdrlength + 1) * 8: no header is 22 bytes long, so it never matches" },
  "libip6t_hbh.txlate:4": { ours: "exthdr hbh exists", why: "no header is 22 bytes long, so ! --hbh-len 22 matches every Hop-by-Hop header" },
  "libip6t_rt.txlate:4": { ours: "exthdr rt exists drop", why: "--rt-len counts bytes, (hdrlength + 1) * 8: no header is 22 bytes long" },
  "libip6t_rt.txlate:10": { ours: "rt type 0 rt hdrlength != 0-255 drop", why: "no routing header is 22 bytes long: the rule never matches" },
  "libip6t_rt.txlate:13": { ours: "rt type 0 rt seg-left != 26 rt hdrlength != 0-255 accept", why: "no routing header is 22 bytes long" },
  "libip6t_rt.txlate:22": { ours: "rt seg-left != 0-255 accept", why: "seg-left is 8 bits: netfilter's 0-4294967295 does not load in nft 1.0.6" },
  "libipt_realm.txlate:1": { ours: "meta rtclassid 0x4", why: "same test, meta written out" },
  "libipt_realm.txlate:4": { ours: "meta rtclassid & 0x5 == 0x5", why: "same test, & for and" },
  "libipt_realm.txlate:7": { ours: "meta rtclassid != 0x32", why: "same test, meta written out" },
  "libipt_realm.txlate:10": { ours: "meta rtclassid & 0xf == 0x1", why: "same test, & for and" },
  "libxt_devgroup.txlate:4": { ours: "oifgroup & 0xc == 0xc accept", why: "same test, & for and" },
  "libxt_devgroup.txlate:10": { ours: "oifgroup & 0xc != 0xc accept", why: "same test, & for and" },
  "libxt_devgroup.txlate:16": { ours: "iifgroup != 0x2 oifgroup & 0xc == 0xc accept", why: "the ! belongs to --src-group only; netfilter's text negates --dst-group too" },
  "libxt_cpu.txlate:1": { ours: "ip frag-off & 0x1fff == 0 tcp dport 80 meta cpu 0 accept", why: "same test, meta written out; the IPv4 later-fragment guard of the tcp match" },
  "libxt_cpu.txlate:4": { ours: "ip frag-off & 0x1fff == 0 tcp dport 80 meta cpu != 1 accept", why: "same test, meta written out; the IPv4 later-fragment guard of the tcp match" },
  "libxt_cgroup.txlate:1": { refused: /TCP connection requests/, why: "nft's meta cgroup reads the listener's classid for packets of TCP request sockets, xt_cgroup does not match them" },
  "libxt_cgroup.txlate:4": { refused: /TCP connection requests/, why: "as above" },
  ...Object.fromEntries(
    [1, 4, 7, 10, 13, 16, 19, 22, 25].map((line) => [
      `libxt_cluster.txlate:${line}`,
      {
        refused: /xt_cluster hashes the master connection/,
        why: "xt_cluster hashes the master connection of expected connections and rewrites pkt_type for every packet it sees; netfilter's text also tests node N as hash N where xt_cluster's node N is hash N-1",
      },
    ]),
  ),
};

/** The IPv4 later-fragment guard of protocol matches (see src/translate/protocols.ts), which netfilter never writes. */
const guard = "ip frag-off & 0x1fff == 0 ";

/** Our text without that guard, to compare with netfilter's. */
function withoutGuard(text: string | undefined): string | undefined {
  return text?.replace(guard, "");
}

const packetFiles = [
  "libxt_length.txlate",
  "libipt_ttl.txlate",
  "libip6t_hl.txlate",
  "libxt_dscp.txlate",
  "libxt_ecn.txlate",
  "libxt_pkttype.txlate",
  "libxt_tcpmss.txlate",
  "libip6t_frag.txlate",
  "libip6t_hbh.txlate",
  "libip6t_rt.txlate",
  "libipt_realm.txlate",
  "libxt_devgroup.txlate",
  "libxt_cpu.txlate",
  "libxt_cgroup.txlate",
  "libxt_cluster.txlate",
];

/**
 * netfilter's realm cases use `-A PREROUTING` in the filter table, where no such chain is built in and the
 * test helper declares none; the rule means the same in INPUT, where xt_realm also works.
 */
function caseCommand(command: string): string {
  return command.replace(/^-A PREROUTING -m realm /, "-A INPUT -m realm ");
}

describe("packet translators", () => {
  for (const [command, family, expected] of translations) {
    it(`${family} ${command}`, () => {
      const t = translateMatch(command, family);
      expect(t.refusals).toEqual([]);
      expect(t.text).toBe(expected);
    });
  }
  for (const [command, family, reason] of refusals) {
    it(`refuses ${family} ${command}`, () => {
      const refused = refusalsOf(command, family);
      expect(refused).toHaveLength(1);
      expect(refused[0]).toMatch(reason);
    });
  }
  it("maps IPv6 packet lengths to payload lengths, with the 16-bit wrap of xt_length", () => {
    expect(ipv6PayloadLengths({ from: 0, to: 65535 })).toEqual([
      { from: 0, to: 65495 },
      { from: 65496, to: 65535 },
    ]);
    expect(ipv6PayloadLengths({ from: 40, to: 40 })).toEqual([{ from: 0, to: 0 }]);
    expect(ipv6PayloadLengths({ from: 39, to: 39 })).toEqual([{ from: 65535, to: 65535 }]);
    expect(ipv6PayloadLengths({ from: 10, to: 50 })).toEqual([
      { from: 0, to: 10 },
      { from: 65506, to: 65535 },
    ]);
  });
});

describe("netfilter's txlate cases for length, ttl, hl, dscp, ecn, pkttype, tcpmss, frag, hbh, rt, realm, devgroup, cpu, cgroup, cluster", () => {
  const cases = txlateCasesIn(packetFiles);
  it.skipIf(cases.length === 0)("are all here (../shared/conformance/txlate)", () => {
    expect(cases.length).toBe(68);
  });
  for (const c of cases) {
    it(`${c.key} ${c.command}`, () => {
      const d = txlateDifferences[c.key];
      if (d?.refused !== undefined) {
        const refused = refusalsOf(caseCommand(c.command), c.family);
        expect(refused).toHaveLength(1);
        expect(refused[0]).toMatch(d.refused);
        return;
      }
      const t = translateMatch(caseCommand(c.command), c.family);
      expect(t.refusals).toEqual([]);
      if (d?.ours !== undefined) expect(t.text).toBe(d.ours);
      else expect(withoutGuard(t.text)).toBe(anchorRule(c.expected));
    });
  }
});

describe("kernel", () => {
  it.skipIf(kernelSkipReason !== undefined)(`loads every translation here, as text and as JSON${kernelSkipReason === undefined ? "" : ` (skipped: ${kernelSkipReason})`}`, () => {
    const all: MatchTranslation[] = [
      ...translations.map(([c, f]) => translateMatch(c, f)),
      ...txlateCasesIn(packetFiles)
        .filter((c) => txlateDifferences[c.key]?.refused === undefined)
        .map((c) => translateMatch(caseCommand(c.command), c.family)),
    ];
    const loaded = loadForReal(all.flatMap((t) => (t.result === undefined ? [] : [t.result])));
    expect(loaded).toEqual({ text: "", json: "", jsonDiffers: [] });
  });

  /**
   * Header fields, extension headers and TOS bytes on real packets: lengths in bytes, reserved fields, the 16-bit IPv6 length, TOS masks. Both sides must count alike, and a rule expected to match some of packet-counts.ts's packets must
   * have matched something (`false`: none), so the test is not vacuous.
   */
  const countRules: readonly (readonly [CountRule, boolean])[] = [
    [{ family: "ipv4", rule: "-m tos --tos Minimize-Delay" }, true],
    [{ family: "ipv4", rule: "-m tos --tos 0x50/0x03" }, false],
    [{ family: "ipv4", rule: "-m tos ! --tos 0xb8/0xfc" }, true],
    [{ family: "ipv4", rule: "-m tos ! --tos 0x12" }, true],
    // Neither TOS 0 nor 28 bytes long (the ICMP echo is both, most others have TOS 0): "not both" would differ.
    [{ family: "ipv4", rule: "-m tos ! --tos 0 -m length ! --length 28" }, true],
    [{ family: "ipv4", rule: "-m length --length 100" }, true],
    [{ family: "ipv4", rule: "-m length ! --length 0:40" }, true],
    [{ family: "ipv4", rule: "-m ttl --ttl-lt 10" }, true],
    [{ family: "ipv4", rule: "-m ttl ! --ttl-eq 64" }, true],
    [{ family: "ipv4", rule: "-p tcp -m tcp -m ecn --ecn-tcp-ece" }, true],
    [{ family: "ipv4", rule: "-p tcp -m tcp -m ecn ! --ecn-tcp-cwr" }, true],
    [{ family: "ipv4", rule: "-p tcp -m tcp --tcp-flags SYN SYN -m tcpmss --mss 1000:1500" }, true],
    [{ family: "ipv4", rule: "-p tcp -m tcp -m tcpmss --mss 1461:65535" }, false],
    [{ family: "ipv4", rule: "-m pkttype --pkt-type unicast" }, true],
    [{ family: "ipv4", rule: "-m dscp --dscp 0x2e" }, true],
    [{ family: "ipv4", rule: "-m ecn --ecn-ip-ect 2" }, true],
    [{ family: "ipv6", rule: "-m hbh --hbh-len 8" }, true],
    [{ family: "ipv6", rule: "-m hbh ! --hbh-len 8" }, false],
    [{ family: "ipv6", rule: "-m hbh --hbh-len 16" }, false],
    [{ family: "ipv6", rule: "-m frag --fragres" }, true],
    [{ family: "ipv6", rule: "-m frag --fragfirst" }, true],
    [{ family: "ipv6", rule: "-m frag --fragmore" }, true],
    [{ family: "ipv6", rule: "-m frag --fraglast" }, true],
    [{ family: "ipv6", rule: "-m frag --fragid 100" }, true],
    [{ family: "ipv6", rule: "-m frag ! --fragid 100" }, true],
    [{ family: "ipv6", rule: "-m rt --rt-type 2" }, true],
    [{ family: "ipv6", rule: "-m rt --rt-len 24" }, true],
    [{ family: "ipv6", rule: "-m rt --rt-segsleft 1" }, true],
    [{ family: "ipv6", rule: "-m rt ! --rt-type 2" }, false],
    [{ family: "ipv6", rule: "-m rt --rt-len 22" }, false],
    [{ family: "ipv6", rule: "-m length --length 100" }, true],
    [{ family: "ipv6", rule: "-m tos --tos Minimize-Delay" }, true],
    [{ family: "ipv6", rule: "-m tos ! --tos 0xb8/0xfc" }, true],
    [{ family: "ipv6", rule: "-m tos --tos 0x10/0x30" }, true],
    [{ family: "ipv6", rule: "-m ipv6header --header hop,prot" }, true],
    [{ family: "ipv6", rule: "-m ipv6header ! --header frag --soft" }, true],
    [{ family: "ipv6", rule: "-m ipv6header --header esp" }, true],
    [{ family: "ipv6", rule: "-m ipv6header ! --header frag,auth --soft" }, true],
    [{ family: "ipv6", rule: "-m ipv6header --header dst,none" }, true],
    [{ family: "ipv6", rule: "-m dscp --dscp 0x2e" }, true],
    [{ family: "ipv6", rule: "-m ecn --ecn-ip-ect 0" }, true],
    [{ family: "ipv6", rule: "-m hl --hl-gt 63" }, true],
  ];
  it.skipIf(countSkipReason !== undefined)(`counts packets like xt${countSkipReason === undefined ? "" : ` (skipped: ${countSkipReason})`}`, () => {
    const { xt, nft } = countPackets(countRules.map(([r]) => r));
    const table = (counts: readonly number[]): string[] => countRules.map(([r], i) => `${r.family} ${r.rule}: ${counts[i] ?? -1}`);
    expect(table(nft)).toEqual(table(xt));
    expect(countRules.map(([r, some], i) => `${r.rule}: ${some === (xt[i] ?? 0) > 0 ? "as expected" : "unexpected"}`)).toEqual(countRules.map(([r]) => `${r.rule}: as expected`));
  });
});

describe("rt caveat", () => {
  it.each(["-A INPUT -m rt --rt-type 2 -j ACCEPT", "-A INPUT -m rt ! --rt-segsleft 1 -j DROP", "-A INPUT -m rt"])("%s: translated, with a warning that ip6t_rt drops packets whose Routing header is cut short", (command) => {
    const approximations = translateMatch(command, "ipv6").result?.approximations ?? [];
    expect(approximations).toHaveLength(1);
    // The input drops such packets whatever the target, so leaving that to nft is more permissive.
    expect(approximations[0]).toMatchObject({ caveat: { inputDrops: true }, morePermissive: true });
    expect(approximations[0]?.caveat.differs).toMatch(/Routing header runs past the end of the packet: ip6t_rt drops them/);
  });

  it("a refused rt test has no caveat, only the refusal", () => {
    const t = translateMatch("-A INPUT -m rt --rt-type 0 --rt-0-not-strict --rt-0-addrs ::1", "ipv6");
    expect(t.refusals).toHaveLength(1);
    expect(t.result).toBeUndefined();
  });
});

describe("hbh and dst caveat", () => {
  it.each(["-A INPUT -m hbh --hbh-len 8 -j ACCEPT", "-A INPUT -m dst ! --dst-len 16 -j DROP", "-A INPUT -m hbh"])("%s: translated, with a warning that ip6t_hbh/ip6t_dst do not match a header cut short", (command) => {
    const approximations = translateMatch(command, "ipv6").result?.approximations ?? [];
    expect(approximations).toHaveLength(1);
    expect(approximations[0]).toMatchObject({ caveat: { nftMatches: "more" }, morePermissive: command.endsWith("ACCEPT") });
    expect(approximations[0]?.caveat.differs).toMatch(/Options header runs past the end of the packet: ip6t_(hbh|dst) does not match them/);
  });
});
