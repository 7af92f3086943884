/**
 * The iptables AST and the schemas that type it.
 * @module
 */
export type { AddressMatch, Family, MaskedAddress, PrefixAddress } from "./address.js";
export { formatAddressMatch, formatIP, parseAddressMatch, parseIP, prefixMask } from "./address.js";
export type { AddressRange, HostAddress, InterfaceName, MarkMask, NumberRange, Rate } from "./codecs.js";
export { matchSchemas } from "./matches/index.js";
export type { KnownMatch } from "./matches/index.js";
export { formatProtocol, parseProtocol } from "./protocol.js";
export type {
  Chain,
  ChainTarget,
  CommentLine,
  Counters,
  Match,
  Rule,
  RuleOptions,
  Ruleset,
  Table,
  TableName,
  Target,
  UnknownMatch,
  UnknownTarget,
  Verdict,
  VerdictTarget,
} from "./rule.js";
export { builtinChains, ruleSchema, tableNames } from "./rule.js";
export type { AnyOptionSpec, Codec, CodecContext, ModuleSchema, NodeOf, OptionSpec, OptionSpecs, OptionValue, SchemaIssue } from "./schema.js";
export { CodecError } from "./schema.js";
export { targetSchemas } from "./targets/index.js";
export { dscpClassValues } from "./targets/packet.js";
export { defaultLogLevel } from "./targets/log.js";
export type { KnownTarget } from "./targets/index.js";
export { printMatch, printRule, printRuleset, printTarget, quoteWord } from "./print.js";
export type {
  IpsetAddressRange,
  IpsetCreateOptionName,
  IpsetCreateOptions,
  IpsetDimension,
  IpsetIcmpPart,
  IpsetIfacePart,
  IpsetIpPart,
  IpsetIpRangePart,
  IpsetListPosition,
  IpsetMacPart,
  IpsetMarkPart,
  IpsetMember,
  IpsetMethod,
  IpsetPart,
  IpsetPartByDimension,
  IpsetPortPart,
  IpsetPortProtocol,
  IpsetPortRange,
  IpsetProtocolPart,
  IpsetSave,
  IpsetSet,
  IpsetSetPart,
  IpsetSkbMark,
  IpsetSkbPrio,
  IpsetType,
  IpsetTypeInfo,
  IpsetTypeName,
} from "./ipset.js";
export { formatIpsetType, ipsetTypeName, ipsetTypes } from "./ipset.js";
export { formatIpsetAddress, printIpsetAdd, printIpsetCreate, printIpsetPart, printIpsetSave, printIpsetSet } from "./ipset-print.js";
