import { InMemoryAttributionStore } from '../../src/domain/memory-store.js';
import { attributionStoreContract } from './attribution-store.contract.js';

// The in-memory store has no API reads, and keeps event markers without outcomes (the port allows it).
attributionStoreContract('in memory', { reads: false, keepsEventOutcomes: false }, async () => ({
  store: new InMemoryAttributionStore(),
}));
