export { MemoryTransport, transportPair } from '../../testing/index.js';
