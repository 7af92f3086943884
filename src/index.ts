/**
 * ipt2nft: parse iptables rulesets, translate them to nftables, and check that both mean the same.
 *
 * @example
 * ```ts
 * import { parseRuleset, printRuleset } from "ipt2nft";
 * const { value, diagnostics } = parseRuleset(text, { file: "rules.v4" });
 * if (value) process.stdout.write(printRuleset(value));
 * ```
 * @module
 */
export type { Diagnostic, DiagnosticCode, Position, Result, Severity, Span } from "./diagnostic/index.js";
export { formatDiagnostic, hasErrors } from "./diagnostic/index.js";
export type {
  AddressMatch,
  Chain,
  ChainTarget,
  CommentLine,
  Counters,
  Family,
  KnownMatch,
  KnownTarget,
  Match,
  OptionValue,
  Rule,
  Ruleset,
  Table,
  TableName,
  Target,
  UnknownMatch,
  UnknownTarget,
  Verdict,
  VerdictTarget,
} from "./ast/index.js";
export { builtinChains, matchSchemas, printMatch, printRule, printRuleset, printTarget, targetSchemas } from "./ast/index.js";
export type { Command, CommandKind, ParseError, ParseOptions } from "./parse/index.js";
export { detectFamily, parseCommand, parseRuleset } from "./parse/index.js";
export type {
  IpsetCreateOptions,
  IpsetDimension,
  IpsetMember,
  IpsetMethod,
  IpsetPart,
  IpsetPartByDimension,
  IpsetSave,
  IpsetSet,
  IpsetType,
  IpsetTypeName,
} from "./ast/index.js";
export { ipsetTypes, printIpsetSave } from "./ast/index.js";
export type { IpsetParseOptions } from "./parse/index.js";
export { parseIpsetSave } from "./parse/index.js";
export type {
  NftBaseChain,
  NftChain,
  NftExpr,
  NftFamily,
  NftJsonDocument,
  NftJsonValue,
  NftMap,
  NftObject,
  NftPrintOptions,
  NftRule,
  NftRuleset,
  NftSet,
  NftStatement,
  NftTable,
} from "./nft/index.js";
export { isNftIdentifier, isNftQuotable, printNftJson, printNftJsonText, printNftText } from "./nft/index.js";
export type { Approximation, Caveat, Refusal, TranslatedRuleset, TranslateOptions, UntranslatedRule } from "./translate/index.js";
export { translate } from "./translate/index.js";
export type {
  Conntrack,
  EquivalenceOptions,
  EquivalenceResult,
  EvalResult,
  EvalState,
  HostInterface,
  HostModel,
  HostRoute,
  IptablesEvalOptions,
  NftEvalOptions,
  Outcome,
  Packet,
  PacketFamily,
  PacketGenerationOptions,
  PacketPath,
  PacketSequence,
  RoutingHeader,
  SequencePosition,
  SideResult,
  TimedPacket,
  UnsupportedPacket,
  Verdict as PacketVerdict,
  WeightedOutcome,
} from "./eval/index.js";
export {
  checkEquivalence,
  defaultEquivalenceHost,
  describeCounterexample,
  emptyState,
  evaluateIptables,
  evaluateNft,
  generatePackets,
  prepareIptables,
  prepareNft,
} from "./eval/index.js";
