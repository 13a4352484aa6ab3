export { ManualClock } from '../../testing/index.js';
