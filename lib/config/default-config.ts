import type { PlatformConfigInput } from './schema.js';

/**
 * The config `npx cdk synth` uses when no `-c config=<file>` is given: two regions and one demo tenant,
 * so a fresh clone synthesises without credentials.
 */
export const DEFAULT_PLATFORM_CONFIG: PlatformConfigInput = {
  stage: 'dev',
  homeRegion: 'us-east-1',
  regions: ['us-east-1', 'eu-west-1'],
  tenants: [{ tenantId: 'demo', tier: 'pool', apps: [{ appId: 'com.demo.game' }] }],
  alarmEmail: 'platform-alerts@example.com',
};
