#!/usr/bin/env python3
"""Send crafted packets into test namespaces and capture what comes out the other side.

Used by test/kernel/*.test.ts (see test/helpers/kernel-lab.ts). Reads one JSON job on stdin:

  {"sides": [{"client": NETNS, "clientIf": IF, "router": NETNS, "server": NETNS, "serverIf": IF,
              "srcMac": MAC, "dstMac": MAC}, ...],
   "packets": [{"id": N, "family": 4|6, "saddr": A, "daddr": A, "proto": P,
                "sport": N, "dport": N, "flags": N, "icmpType": N, "icmpCode": N,
                "icmpId": N, "ttl": N, "tos": N, "length": N, "fromRouter": BOOL}, ...],
   "quietMs": N}

Every packet is built once (IPv4 or IPv6 header, TCP/UDP/ICMP/ICMPv6 header with correct checksums,
a payload that starts with an 8-byte tag carrying the packet's id, padded to `length`) and written as an
Ethernet frame on each side's client interface with an AF_PACKET socket, so the source address, ports,
flags, TTL and DSCP are exactly the ones asked for and the client's own stack adds nothing. A packet with
"fromRouter" is sent by the router itself instead, through a raw socket (IPPROTO_RAW, our header) in its
namespace, so it takes the output path. Each side's
server interface is read with an AF_PACKET socket opened before the first packet is sent; frames are
read until none arrived for `quietMs`. The answer on stdout is JSON: for each side, the tagged packets
that arrived, with the header fields after the router's NAT:

  {"received": [[{"id": N, "saddr": A, "daddr": A, "proto": P, "sport": N, "dport": N,
                  "ttl": N, "tos": N, "length": N}, ...], ...]}

`packets.py nfacct NAME...` (run inside a namespace) creates nfacct objects there instead.

Namespaces are entered with setns(2) through ctypes (os.setns is Python 3.12+); a socket stays in the
namespace it was created in, so one process serves every namespace. Python standard library only.
"""
import ctypes
import json
import os
import select
import socket
import struct
import sys
import time

CLONE_NEWNET = 0x40000000
ETH_P_ALL = 0x0003
ETH_P_IP = 0x0800
ETH_P_IPV6 = 0x86DD
PACKET_OUTGOING = 4
SO_RCVBUFFORCE = 33
TAG = b"KTAG"

libc = ctypes.CDLL(None, use_errno=True)


def enter(netns):
    """Moves this thread into the named network namespace (ip netns add NAME)."""
    fd = os.open("/run/netns/" + netns, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, "setns " + netns + ": " + os.strerror(err))
    finally:
        os.close(fd)


def mac_bytes(mac):
    return bytes(int(x, 16) for x in mac.split(":"))


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def l4_header(p, pseudo, payload):
    """The transport header for packet p, its checksum computed over `pseudo` + header + payload."""
    proto = p["proto"]
    if proto == 6:
        hdr = struct.pack("!HHIIBBHHH", p.get("sport", 0), p.get("dport", 0), 1000 + p["id"], 0,
                          5 << 4, p.get("flags", 2), 65535, 0, 0)
        csum = checksum(pseudo + hdr + payload)
        return hdr[:16] + struct.pack("!H", csum) + hdr[18:]
    if proto == 17:
        length = 8 + len(payload)
        hdr = struct.pack("!HHHH", p.get("sport", 0), p.get("dport", 0), length, 0)
        csum = checksum(pseudo + hdr + payload) or 0xFFFF
        return hdr[:6] + struct.pack("!H", csum)
    if proto in (1, 58):
        hdr = struct.pack("!BBHHH", p.get("icmpType", 8), p.get("icmpCode", 0), 0, p.get("icmpId", 0), 1)
        # ICMPv6 covers the pseudo-header, ICMP (v4) does not.
        csum = checksum((pseudo if proto == 58 else b"") + hdr + payload)
        return hdr[:2] + struct.pack("!H", csum) + hdr[4:]
    return b""


def l4_size(proto):
    return {6: 20, 17: 8, 1: 8, 58: 8}.get(proto, 0)


def build(p):
    """The IP packet for p: header, transport header, tag and padding up to p["length"] bytes."""
    proto = p["proto"]
    v6 = p["family"] == 6
    ip_size = 40 if v6 else 20
    fill = max(0, p["length"] - ip_size - l4_size(proto) - 8)
    payload = TAG + struct.pack("!I", p["id"]) + bytes(fill)
    l4_len = l4_size(proto) + len(payload)
    if v6:
        src = socket.inet_pton(socket.AF_INET6, p["saddr"])
        dst = socket.inet_pton(socket.AF_INET6, p["daddr"])
        pseudo = src + dst + struct.pack("!IxxxB", l4_len, proto)
        l4 = l4_header(p, pseudo, payload)
        first = (6 << 28) | (p.get("tos", 0) << 20)
        ip = struct.pack("!IHBB", first, l4_len, proto, p["ttl"]) + src + dst
        return ip + l4 + payload
    src = socket.inet_aton(p["saddr"])
    dst = socket.inet_aton(p["daddr"])
    pseudo = src + dst + struct.pack("!xBH", proto, l4_len)
    l4 = l4_header(p, pseudo, payload)
    total = 20 + l4_len
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, p.get("tos", 0), total, p["id"] & 0xFFFF, 0x4000, p["ttl"], proto, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    return ip + l4 + payload


def parse(frame):
    """The tagged packet in an Ethernet frame as a dict, or None for anything else."""
    if len(frame) < 14:
        return None
    ethertype = struct.unpack("!H", frame[12:14])[0]
    data = frame[14:]
    if ethertype == ETH_P_IP and len(data) >= 20:
        ihl = (data[0] & 0x0F) * 4
        tos, total, ttl, proto = data[1], struct.unpack("!H", data[2:4])[0], data[8], data[9]
        saddr, daddr = socket.inet_ntoa(data[12:16]), socket.inet_ntoa(data[16:20])
        l4 = data[ihl:total]
    elif ethertype == ETH_P_IPV6 and len(data) >= 40:
        first = struct.unpack("!I", data[0:4])[0]
        tos = (first >> 20) & 0xFF
        plen, proto, ttl = struct.unpack("!HBB", data[4:8])
        total = 40 + plen
        saddr = socket.inet_ntop(socket.AF_INET6, data[8:24])
        daddr = socket.inet_ntop(socket.AF_INET6, data[24:40])
        l4 = data[40:total]
    else:
        return None
    size = l4_size(proto)
    tag_at = l4.find(TAG, size)
    if tag_at != size or len(l4) < size + 8:
        return None
    out = {"id": struct.unpack("!I", l4[size + 4:size + 8])[0], "saddr": saddr, "daddr": daddr,
           "proto": proto, "ttl": ttl, "tos": tos, "length": total}
    if proto in (6, 17):
        out["sport"], out["dport"] = struct.unpack("!HH", l4[0:4])
    if proto in (1, 58):
        out["icmpType"], out["icmpCode"], _, out["icmpId"] = struct.unpack("!BBHH", l4[0:6])
    return out


def main():
    job = json.load(sys.stdin)
    sides = job["sides"]
    captures, senders, local_senders = [], [], []
    for side in sides:
        enter(side["server"])
        cap = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        cap.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 64 << 20)
        cap.bind((side["serverIf"], 0))
        cap.setblocking(False)
        captures.append(cap)
        enter(side["client"])
        out = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        out.bind((side["clientIf"], 0))
        senders.append(out)
        # The router's own packets (output path): raw sockets whose IP header is ours (IPPROTO_RAW).
        enter(side["router"])
        raw4 = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
        raw6 = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_RAW)
        local_senders.append((raw4, raw6))
    received = [[] for _ in sides]

    def drain(timeout):
        ready, _, _ = select.select(captures, [], [], timeout)
        for cap in ready:
            i = captures.index(cap)
            while True:
                try:
                    frame, addr = cap.recvfrom(65535)
                except BlockingIOError:
                    break
                if addr[2] == PACKET_OUTGOING:
                    continue
                pkt = parse(frame)
                if pkt is not None:
                    received[i].append(pkt)
        return bool(ready)

    heads = [mac_bytes(s["dstMac"]) + mac_bytes(s["srcMac"]) for s in sides]
    for n, p in enumerate(job["packets"]):
        ip = build(p)
        ethertype = struct.pack("!H", ETH_P_IPV6 if p["family"] == 6 else ETH_P_IP)
        for head, out, (raw4, raw6) in zip(heads, senders, local_senders):
            if not p.get("fromRouter"):
                out.send(head + ethertype + ip)
                continue
            try:
                if p["family"] == 6:
                    raw6.sendto(ip, (p["daddr"], 0, 0, 0))
                else:
                    raw4.sendto(ip, (p["daddr"], 0))
            except PermissionError:
                pass  # dropped or rejected by an output rule: the counters tell

        if n % 64 == 63:
            drain(0)
    quiet = job.get("quietMs", 60) / 1000.0
    deadline = time.monotonic() + 5
    while drain(quiet) and time.monotonic() < deadline:
        pass
    json.dump({"received": received}, sys.stdout)


def nfacct_add(names):
    """Creates nfacct objects in the current namespace (nfnetlink_acct NFNL_MSG_ACCT_NEW), as `nfacct add NAME` does."""
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 12)  # NETLINK_NETFILTER
    for seq, name in enumerate(names, 1):
        raw = name.encode() + b"\0"
        attr = struct.pack("HH", 4 + len(raw), 1) + raw  # NFACCT_NAME
        attr += bytes((4 - len(attr) % 4) % 4)
        body = struct.pack("BBH", 0, 0, 0) + attr  # nfgenmsg: AF_UNSPEC, version 0, res_id 0
        # type NFNL_SUBSYS_ACCT << 8 | NFNL_MSG_ACCT_NEW; flags REQUEST | ACK | CREATE
        sock.send(struct.pack("IHHII", 16 + len(body), 7 << 8, 0x1 | 0x4 | 0x400, seq, 0) + body)
        reply = sock.recv(65536)
        error = struct.unpack("i", reply[16:20])[0]
        if error not in (0, -17):  # 0 or EEXIST
            raise OSError(-error, "nfacct add " + name + ": " + os.strerror(-error))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "nfacct":
        nfacct_add(sys.argv[2:])
    else:
        main()
