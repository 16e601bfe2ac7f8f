import { InMemoryUsageCounters } from '../../src/adapters/memory/usage-counters.js';
import { usageCountersContract } from './usage-counters.contract.js';

usageCountersContract(
  'in memory',
  async () => new InMemoryUsageCounters(),
  async () => {
    const table = new Map<string, number>();
    const regions = ['us-east-1', 'eu-west-1'];
    return {
      us: new InMemoryUsageCounters({ table, region: 'us-east-1', otherRegions: regions }),
      eu: new InMemoryUsageCounters({ table, region: 'eu-west-1', otherRegions: regions }),
    };
  },
);
