/**
 * @aup/core/testing: conformance suites for outside implementers (run them with vitest).
 * @packageDocumentation
 */
export * from './proposer-conformance.js';
export * from './store-conformance.js';
export * from './benchmark-functions.js';
export * from './stats.js';
