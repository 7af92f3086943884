#!/usr/bin/env node
/**
 * Generates a kube-proxy-shaped `iptables-save` dump, deterministically: the same options always give the
 * same bytes (a seeded PRNG, a fixed header date, chain names hashed the way kube-proxy hashes them).
 *
 * The shape is kube-proxy's iptables mode before 1.28, as `iptables-save` prints it on a node:
 * - nat: KUBE-SERVICES holds a pair per service port (`! -s POD_CIDR ... -j KUBE-MARK-MASQ`, then the jump
 *   to KUBE-SVC-*), a KUBE-SVC-* chain per service port whose rules pick an endpoint with a
 *   `-m statistic --mode random --probability` cascade, a KUBE-SEP-* chain per endpoint (hairpin
 *   `-s POD/32 -j KUBE-MARK-MASQ`, then `-p tcp -m tcp -j DNAT --to-destination POD:PORT`), NodePorts for
 *   some services, and the fixed KUBE-POSTROUTING / KUBE-MARK-MASQ / KUBE-MARK-DROP chains;
 * - filter: KUBE-FORWARD, KUBE-FIREWALL, KUBE-NODEPORTS, KUBE-EXTERNAL-SERVICES, and KUBE-SERVICES with a
 *   REJECT for each service port that has no endpoints.
 *
 * Usage: `node bench/gen-kubeproxy.mjs [SERVICES] [ENDPOINTS] [SEED] > dump.rules`
 * @module
 */
import { createHash } from "node:crypto";
import process from "node:process";
import { fileURLToPath } from "node:url";

/**
 * @typedef {object} KubeProxyDumpOptions
 * @property {number} services Service ports that have endpoints.
 * @property {number} endpointsPerService Endpoints behind each of them.
 * @property {number} seed PRNG seed.
 */

/** @type {KubeProxyDumpOptions} */
export const defaultDumpOptions = { services: 5000, endpointsPerService: 3, seed: 0x6b756265 };

/**
 * mulberry32: a small seeded PRNG, so the dump is the same on every run and machine.
 * @param {number} seed
 * @returns {() => number} uniform in [0, 1)
 */
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const base32Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/**
 * kube-proxy's chain-name hash: base32 (RFC 4648) of SHA-256, first 16 characters.
 * @param {string} text
 * @returns {string}
 */
function chainHash(text) {
  const bytes = createHash("sha256").update(text).digest();
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < 16) {
      out += base32Alphabet.charAt((buffer >>> (bits - 5)) & 31);
      bits -= 5;
    }
    buffer &= 0xff;
    if (out.length === 16) break;
  }
  return out;
}

/**
 * The probability iptables-save prints for a kube-proxy endpoint chosen among `remaining` ones:
 * 0.33333333349 and 0.50000000000 for three endpoints.
 * @param {number} remaining
 * @returns {string}
 */
function probability(remaining) {
  // kube-proxy asks for 1/n; xt_statistic stores lround(p * 2^31) and iptables-save prints that fraction
  // with %.11f, which is where the trailing 49 comes from.
  return (Math.round((1 / remaining) * 0x80000000) / 0x80000000).toFixed(11);
}

const namespaces = ["default", "kube-system", "monitoring", "ingress-nginx", "cert-manager", "payments", "checkout", "catalog", "search", "identity", "billing", "logistics", "data-platform", "ml-serving", "observability", "messaging"];
const nouns = ["api", "web", "worker", "gateway", "cache", "db", "auth", "orders", "cart", "inventory", "pricing", "users", "sessions", "events", "metrics", "reports", "notifications", "search", "recommendations", "frontend", "backend", "proxy", "queue", "scheduler", "exporter"];
const qualifiers = ["internal", "public", "v2", "canary", "grpc", "admin", "read", "write", "edge"];
/** Port name, port number and protocol of the service ports the generator picks from. */
const servicePorts = /** @type {const} */ ([
  ["http", 80, "tcp"],
  ["https", 443, "tcp"],
  ["http", 8080, "tcp"],
  ["grpc", 9090, "tcp"],
  ["metrics", 9100, "tcp"],
  ["dns", 53, "udp"],
  ["dns-tcp", 53, "tcp"],
  ["redis", 6379, "tcp"],
  ["postgres", 5432, "tcp"],
  ["statsd", 8125, "udp"],
]);
const targetPorts = [8080, 8443, 3000, 5000, 9090, 9100, 53, 6379, 5432, 8125, 80, 443];

const podCidr = "10.244.0.0/16";

/**
 * @param {number} n
 * @returns {string} the n-th address of 10.96.0.0/12 after 10.96.0.10
 */
function clusterIp(n) {
  const v = (10 << 24) | (96 << 16) | (10 + n);
  return `${(v >>> 24) & 255}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

/**
 * @param {number} n
 * @returns {string} the n-th pod address in 10.244.0.0/16, skipping .0 and .1 of each node's /24
 */
function podIp(n) {
  const node = Math.floor(n / 250);
  return `10.244.${node % 256}.${(n % 250) + 2}`;
}

/**
 * Generates the dump.
 * @param {Partial<KubeProxyDumpOptions>} [options]
 * @returns {{ text: string, rules: number }} the iptables-save text and how many `-A` lines it has
 */
export function generateKubeProxyDump(options = {}) {
  const { services, endpointsPerService, seed } = { ...defaultDumpOptions, ...options };
  const random = mulberry32(seed);
  /** @param {readonly T[]} xs @returns {T} @template T */
  const pick = (xs) => /** @type {T} */ (xs[Math.floor(random() * xs.length)]);
  // One NodePort per 20 services, and one service port without endpoints per 100 (the filter REJECTs).
  const withoutEndpoints = Math.ceil(services / 100);

  /** @type {string[]} */ const natChains = [];
  /** @type {string[]} */ const kubeServices = [];
  /** @type {string[]} */ const kubeNodePorts = [];
  /** @type {string[]} */ const svcRules = [];
  /** @type {string[]} */ const sepRules = [];
  /** @type {string[]} */ const filterServices = [];
  /** @type {string[]} */ const filterExternal = [];
  let pod = 0;
  let nodePort = 30000;
  const usedNames = new Set();

  for (let s = 0; s < services + withoutEndpoints; s++) {
    const ns = s < namespaces.length ? namespaces[s] : pick(namespaces);
    let svc = "";
    do {
      const q = random() < 0.3 ? pick(qualifiers) : "";
      svc = `${pick(nouns)}${q === "" ? "" : `-${q}`}-${Math.floor(random() * 1000).toString()}`;
    } while (usedNames.has(`${ns ?? ""}/${svc}`));
    usedNames.add(`${ns ?? ""}/${svc}`);
    const [portName, port, proto] = pick(servicePorts);
    const name = `${ns ?? ""}/${svc}:${portName}`;
    const ip = clusterIp(s);
    const svcChain = `KUBE-SVC-${chainHash(name + proto)}`;
    const hasNodePort = s % 20 === 7;

    if (s >= services) {
      // A service port with no endpoints: kube-proxy rejects it in the filter table instead.
      filterServices.push(`-A KUBE-SERVICES -d ${ip}/32 -p ${proto} -m comment --comment "${name} has no endpoints" -m ${proto} --dport ${port.toString()} -j REJECT --reject-with icmp-port-unreachable`);
      if (hasNodePort) {
        filterExternal.push(`-A KUBE-EXTERNAL-SERVICES -p ${proto} -m comment --comment "${name} has no endpoints" -m addrtype --dst-type LOCAL -m ${proto} --dport ${(nodePort++).toString()} -j REJECT --reject-with icmp-port-unreachable`);
      }
      continue;
    }

    natChains.push(`:${svcChain} - [0:0]`);
    kubeServices.push(`-A KUBE-SERVICES ! -s ${podCidr} -d ${ip}/32 -p ${proto} -m comment --comment "${name} cluster IP" -m ${proto} --dport ${port.toString()} -j KUBE-MARK-MASQ`);
    kubeServices.push(`-A KUBE-SERVICES -d ${ip}/32 -p ${proto} -m comment --comment "${name} cluster IP" -m ${proto} --dport ${port.toString()} -j ${svcChain}`);
    if (hasNodePort) {
      const np = (nodePort++).toString();
      kubeNodePorts.push(`-A KUBE-NODEPORTS -p ${proto} -m comment --comment "${name}" -m ${proto} --dport ${np} -j KUBE-MARK-MASQ`);
      kubeNodePorts.push(`-A KUBE-NODEPORTS -p ${proto} -m comment --comment "${name}" -m ${proto} --dport ${np} -j ${svcChain}`);
    }
    const targetPort = pick(targetPorts);
    for (let e = 0; e < endpointsPerService; e++) {
      const ep = `${podIp(pod++)}:${targetPort.toString()}`;
      const sepChain = `KUBE-SEP-${chainHash(name + proto + ep)}`;
      natChains.push(`:${sepChain} - [0:0]`);
      const remaining = endpointsPerService - e;
      svcRules.push(
        remaining > 1
          ? `-A ${svcChain} -m comment --comment "${name}" -m statistic --mode random --probability ${probability(remaining)} -j ${sepChain}`
          : `-A ${svcChain} -m comment --comment "${name}" -j ${sepChain}`,
      );
      sepRules.push(`-A ${sepChain} -s ${ep.slice(0, ep.indexOf(":"))}/32 -m comment --comment "${name}" -j KUBE-MARK-MASQ`);
      sepRules.push(`-A ${sepChain} -p ${proto} -m comment --comment "${name}" -m ${proto} -j DNAT --to-destination ${ep}`);
    }
  }

  const nat = [
    "*nat",
    ":PREROUTING ACCEPT [0:0]",
    ":INPUT ACCEPT [0:0]",
    ":OUTPUT ACCEPT [0:0]",
    ":POSTROUTING ACCEPT [0:0]",
    ":KUBE-MARK-DROP - [0:0]",
    ":KUBE-MARK-MASQ - [0:0]",
    ":KUBE-NODEPORTS - [0:0]",
    ":KUBE-POSTROUTING - [0:0]",
    ":KUBE-SERVICES - [0:0]",
    ...natChains,
    '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
    "-A KUBE-MARK-DROP -j MARK --set-xmark 0x8000/0x8000",
    "-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000",
    ...kubeNodePorts,
    "-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN",
    "-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0",
    '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
    ...kubeServices,
    '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS',
    ...svcRules,
    ...sepRules,
    "COMMIT",
  ];
  const filter = [
    "*filter",
    ":INPUT ACCEPT [0:0]",
    ":FORWARD ACCEPT [0:0]",
    ":OUTPUT ACCEPT [0:0]",
    ":KUBE-EXTERNAL-SERVICES - [0:0]",
    ":KUBE-FIREWALL - [0:0]",
    ":KUBE-FORWARD - [0:0]",
    ":KUBE-KUBELET-CANARY - [0:0]",
    ":KUBE-NODEPORTS - [0:0]",
    ":KUBE-PROXY-CANARY - [0:0]",
    ":KUBE-SERVICES - [0:0]",
    '-A INPUT -m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS',
    '-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES',
    "-A INPUT -j KUBE-FIREWALL",
    '-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD',
    '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES',
    '-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    "-A OUTPUT -j KUBE-FIREWALL",
    ...filterExternal,
    '-A KUBE-FIREWALL -m comment --comment "kubernetes firewall for dropping marked packets" -m mark --mark 0x8000/0x8000 -j DROP',
    '-A KUBE-FIREWALL ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment "block incoming localnet connections" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP',
    "-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP",
    '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT',
    '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
    ...filterServices,
    "COMMIT",
  ];
  const header = (/** @type {string} */ what) => `# ${what} by iptables-save v1.8.7 on Mon Jan  6 12:00:00 2025`;
  const lines = [header("Generated"), ...nat, header("Completed"), header("Generated"), ...filter, header("Completed")];
  const rules = lines.reduce((n, l) => (l.startsWith("-A ") ? n + 1 : n), 0);
  return { text: `${lines.join("\n")}\n`, rules };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [services, endpoints, seed] = process.argv.slice(2).map(Number);
  const { text } = generateKubeProxyDump({
    ...(services === undefined || Number.isNaN(services) ? {} : { services }),
    ...(endpoints === undefined || Number.isNaN(endpoints) ? {} : { endpointsPerService: endpoints }),
    ...(seed === undefined || Number.isNaN(seed) ? {} : { seed }),
  });
  process.stdout.write(text);
}
