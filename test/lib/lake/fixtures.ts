import { Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { LakeAnalytics, type TenantWorkGroup } from '../../../lib/lake/lake-analytics.js';
import { LakeCatalog } from '../../../lib/lake/lake-catalog.js';
import { REPORT_QUERY_LIST } from '../../../src/definitions/index.js';
import { testApp } from '../support/platform.js';

/** A tenant's workgroup name as the platform plan names it. */
export const tenantWorkGroupName = (tenantId: string) => `unmogrowp-dev-${tenantId}-reports`;

/**
 * A stack with an imported lake bucket and its key, the catalog and the analytics of the report
 * queries: what the lake analytics and lake reader role tests build on.
 */
export function lakeAnalyticsStack(stackId: string, tenantWorkGroups?: readonly TenantWorkGroup[]) {
  const stack = new Stack(testApp(), stackId, { env: { region: 'eu-west-1', account: '111122223333' } });
  const encryptionKey = new kms.Key(stack, 'Key');
  const bucket = s3.Bucket.fromBucketAttributes(stack, 'Bucket', { bucketName: 'lake', encryptionKey });
  const catalog = new LakeCatalog(stack, 'Catalog', { databaseName: 'unmogrowp_dev', bucket });
  const analytics = new LakeAnalytics(stack, 'Analytics', {
    workGroupName: 'unmogrowp-dev-reports',
    catalog,
    bucket,
    encryptionKey,
    bytesScannedCutoffGiB: 10,
    queries: REPORT_QUERY_LIST,
    ...(tenantWorkGroups ? { tenantWorkGroups, tenantWorkGroupName } : {}),
  });
  return { stack, analytics };
}
