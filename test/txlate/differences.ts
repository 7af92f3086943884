/**
 * Why our translation of a netfilter txlate case differs from netfilter's expected text, keyed by `file:line`
 * of the case. Hand-written: each entry says what is wrong with, or missing from, netfilter's form (or what
 * ipt2nft does differently on purpose), so a reader can check it. test/txlate/conformance.test.ts requires an
 * entry for every case nft lists differently, and no entry for a case that no longer needs one.
 * @module
 */

/** Reason for each case whose translation differs from netfilter's on purpose. */
export const differences: Readonly<Record<string, string>> = {
};
