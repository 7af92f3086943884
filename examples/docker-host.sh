#!/bin/sh
# Migrating a Docker host from iptables to nftables with `ipt2nft host`.
#
# The offline part runs anywhere: examples/docker-host/ holds the rules Docker 29 writes for its default
# bridge network (iptables-save.txt, ip6tables-save.txt). The live part is commented out: it changes the
# firewall of the machine it runs on.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${OUT:-$(mktemp -d)}
if [ -z "${IPT2NFT:-}" ]; then
  if [ -f "$here/../dist/cli.js" ]; then IPT2NFT="node $here/../dist/cli.js"; else IPT2NFT="npx ipt2nft"; fi
fi

# 1. Translate everything, Docker's chains included (the default). The summary on stderr lists Docker's
#    chains as "kept"; the .nft file replaces only the tables it defines (ip raw/filter/nat, ip6 ...).
$IPT2NFT host --from "$here/docker-host" -o "$out/docker-host.nft" --summary-json "$out/docker-host.json"

# 2. If Docker moves to its own nftables backend ("firewall-backend": "nftables" in daemon.json, Docker 29
#    and later), it writes tables ip/ip6 docker-bridges itself: leave its chains out. Each rule removed
#    because it jumps into a Docker chain (-A FORWARD -j DOCKER-USER, ...) is listed in the summary.
$IPT2NFT host --from "$here/docker-host" --exclude-managed docker -o "$out/docker-host-without-docker.nft"

echo "written to $out:" >&2
ls "$out" >&2

# 3. On the live host, as root (review first, then apply with automatic rollback):
#
#    ipt2nft host -o /root/ipt2nft-host.nft                       # collect, translate, check; review the file
#    ipt2nft host --exclude-managed docker --apply --confirm-timeout 60 -o /root/ipt2nft-host.nft
#
#    --apply saves the current state next to the file (.before.nft, .before-iptables.txt), loads the file
#    in one nft -f transaction, empties the legacy iptables tables it migrated (Docker's chains stay there
#    when excluded), and waits for "yes". Open a new SSH session before you type it: without "yes" in 60 s
#    the previous rules come back. Rules from iptables-nft are not applied (the file's tables would take
#    over iptables-nft's own); load such a file yourself once nothing calls iptables any more.
