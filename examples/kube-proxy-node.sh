#!/bin/sh
# Migrating a Kubernetes node (kube-proxy in iptables mode) to nftables with `ipt2nft host`.
#
# examples/kube-proxy-node/ holds the rules of a k3s node: kube-proxy (KUBE-SVC/SEP/...), kube-router's
# network policies (KUBE-ROUTER-*, KUBE-POD-FW-*), flannel and the CNI portmap plugin, IPv4 and IPv6.
# The live part is commented out.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${OUT:-$(mktemp -d)}
if [ -z "${IPT2NFT:-}" ]; then
  if [ -f "$here/../dist/cli.js" ]; then IPT2NFT="node $here/../dist/cli.js"; else IPT2NFT="npx ipt2nft"; fi
fi

# 1. Everything as it is: kube-router's policy chains use -m physdev, which nft's ip tables cannot see,
#    so ipt2nft refuses (exit 1) and lists each rule.
if $IPT2NFT host --from "$here/kube-proxy-node" -o "$out/node-all.nft" 2>"$out/node-all.log"; then
  echo "unexpected: the node's rules translated completely" >&2
  exit 1
fi
grep -c "untranslatable" "$out/node-all.log" >&2 || true

# 2. kube-proxy rewrites its chains on every sync, and kube-router keeps writing iptables rules: leave both
#    out. In nftables mode (--proxy-mode=nftables) kube-proxy writes its own tables ip/ip6 kube-proxy.
$IPT2NFT host --from "$here/kube-proxy-node" --exclude-managed kube-proxy,kube-router -o "$out/node.nft" --summary-json "$out/node.json"

echo "written to $out:" >&2
ls "$out" >&2

# 3. On the live node, as root, with kube-proxy switched to nftables mode first:
#
#    ipt2nft host --exclude-managed kube-proxy,kube-router -o /root/ipt2nft-host.nft
#    ipt2nft host --exclude-managed kube-proxy,kube-router --apply -o /root/ipt2nft-host.nft
#
#    An accept in the file's tables does not override a drop in kube-proxy's table (nor the other way
#    round): every table's base chains see the packet, and a drop anywhere is final.
