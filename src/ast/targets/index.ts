/**
 * The table of target extensions the parser knows. Adding a schema here adds its node to {@link KnownTarget}.
 * @module
 */
import type { NodeOf } from "../schema.js";
import { CTSchema, IDLETIMERSchema, LEDSchema, NFQUEUESchema, NOTRACKSchema, REJECTSchema, SETSchema, SYNPROXYSchema, TEESchema, TPROXYSchema } from "./flow.js";
import { AUDITSchema, LOGSchema, NFLOGSchema, TRACESchema } from "./log.js";
import { CONNMARKSchema, HMARKSchema, MARKSchema } from "./marks.js";
import { DNATSchema, DNPTSchema, MASQUERADESchema, NETMAPSchema, REDIRECTSchema, SNATSchema, SNPTSchema } from "./nat.js";
import { CHECKSUMSchema, CLASSIFYSchema, CONNSECMARKSchema, DSCPSchema, ECNSchema, HLSchema, SECMARKSchema, TCPMSSSchema, TCPOPTSTRIPSchema, TOSSchema, TTLSchema } from "./packet.js";

/**
 * Every known target extension schema, keyed by its `-j` name.
 *
 * @example
 * ```ts
 * targetSchemas.DNAT.options.toDestination.names; // ["--to-destination", "--to"]
 * Object.keys(targetSchemas.DNAT.options); // ["toDestination", "random", "persistent"]
 * ```
 */
export const targetSchemas = {
  AUDIT: AUDITSchema,
  CHECKSUM: CHECKSUMSchema,
  CLASSIFY: CLASSIFYSchema,
  CONNMARK: CONNMARKSchema,
  CONNSECMARK: CONNSECMARKSchema,
  CT: CTSchema,
  DNAT: DNATSchema,
  DNPT: DNPTSchema,
  DSCP: DSCPSchema,
  ECN: ECNSchema,
  HL: HLSchema,
  HMARK: HMARKSchema,
  IDLETIMER: IDLETIMERSchema,
  LED: LEDSchema,
  LOG: LOGSchema,
  MARK: MARKSchema,
  MASQUERADE: MASQUERADESchema,
  NETMAP: NETMAPSchema,
  NFLOG: NFLOGSchema,
  NFQUEUE: NFQUEUESchema,
  NOTRACK: NOTRACKSchema,
  REDIRECT: REDIRECTSchema,
  REJECT: REJECTSchema,
  SECMARK: SECMARKSchema,
  SET: SETSchema,
  SNAT: SNATSchema,
  SNPT: SNPTSchema,
  SYNPROXY: SYNPROXYSchema,
  TCPMSS: TCPMSSSchema,
  TCPOPTSTRIP: TCPOPTSTRIPSchema,
  TEE: TEESchema,
  TOS: TOSSchema,
  TPROXY: TPROXYSchema,
  TRACE: TRACESchema,
  TTL: TTLSchema,
} as const;

/**
 * A target extension the parser knows, with typed options.
 *
 * @example
 * ```ts
 * const { value } = parseCommand("-t nat -A PREROUTING -p tcp --dport 80 -j DNAT --to-destination 10.0.0.1:8080");
 * const t: Target | undefined = value?.rule?.target;
 * if (t?.kind === "DNAT") t.toDestination?.value.ports; // { from: 8080, to: 8080 }
 * const isNat = (k: KnownTarget): boolean => ["DNAT", "SNAT", "MASQUERADE", "REDIRECT", "NETMAP"].includes(k.kind);
 * ```
 */
export type KnownTarget = NodeOf<(typeof targetSchemas)[keyof typeof targetSchemas]>;
