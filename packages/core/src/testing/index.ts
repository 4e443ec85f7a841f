/**
 * @aup/core/testing: conformance suites for outside implementers (run them with vitest).
 * @packageDocumentation
 */
export * from './proposer-conformance.js';
export * from './store-conformance.js';
// Each role of the Store with its own suite, for an implementation of one role (storeConformance runs them all).
export { experimentStoreConformance } from './experiment-store-conformance.js';
export { jobStoreConformance } from './job-store-conformance.js';
export { resultStoreConformance } from './result-store-conformance.js';
export { controlRequestConformance } from './control-request-conformance.js';
export { workerQueueConformance, type WorkerQueueConformanceOptions } from './worker-queue-conformance.js';
export { driverLeaseConformance, type DriverLeaseConformanceOptions } from './driver-lease-conformance.js';
export { changeFeedConformance, type ChangeFeedSuiteContext } from './change-feed-conformance.js';
export { jobQueryConformance } from './job-query-conformance.js';
export * from './benchmark-functions.js';
export * from './stats.js';
export * from './multi-objective-functions.js';
