import { describeStore } from '../support/store-contract.js';
import { TestSchema } from './pg-fixture.js';

// A schema of its own for each test: the contract assumes an empty store.
describeStore('PgStore', async (clock) => {
  const schema = new TestSchema();
  return { store: await schema.store(clock), dispose: () => schema.drop() };
});
