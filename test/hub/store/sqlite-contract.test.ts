import { SqliteStore } from '../../../hub/index.js';
import { describeStore } from '../../support/store-contract.js';

describeStore('SqliteStore', (clock) =>
  Promise.resolve({
    store: new SqliteStore({ dataDir: ':memory:', clock }),
    dispose: () => Promise.resolve(),
  }),
);
