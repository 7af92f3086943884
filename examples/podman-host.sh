#!/bin/sh
# Migrating a Podman host from iptables to nftables with `ipt2nft host`.
#
# examples/podman-host/iptables-save.txt is the nat table of a Podman 4 host using netavark's iptables
# driver, with one published port (NETAVARK-* chains). The live part is commented out.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${OUT:-$(mktemp -d)}
if [ -z "${IPT2NFT:-}" ]; then
  if [ -f "$here/../dist/cli.js" ]; then IPT2NFT="node $here/../dist/cli.js"; else IPT2NFT="npx ipt2nft"; fi
fi

# 1. Keep netavark's chains: the published port keeps working from the translated tables, but netavark
#    adds and removes iptables rules whenever a container starts or stops, and those changes would not
#    reach the nft tables.
$IPT2NFT host --from "$here/podman-host" -o "$out/podman-host.nft"

# 2. With netavark's nftables driver (firewall_driver = "nftables" in containers.conf, netavark 1.13 and
#    later), netavark writes its own table inet netavark: leave its chains out.
$IPT2NFT host --from "$here/podman-host" --exclude-managed podman -o "$out/podman-host-without-podman.nft" --summary-json "$out/podman-host.json"

echo "written to $out:" >&2
ls "$out" >&2

# 3. On the live host, as root:
#
#    ipt2nft host --exclude-managed podman -o /root/ipt2nft-host.nft
#    ipt2nft host --exclude-managed podman --apply -o /root/ipt2nft-host.nft
