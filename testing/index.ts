// zhub/testing: what the authors of services and collectors test with.
export { ManualClock } from './manual-clock.js';
export { MemoryTransport, transportPair } from './memory-transport.js';
export { TEST_USER, TestHub, testHub } from './test-hub.js';
export type { TestCollectorOptions, TestHubOptions } from './test-hub.js';
