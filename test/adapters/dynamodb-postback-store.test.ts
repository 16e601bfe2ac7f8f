import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createTables } from '../../src/adapters/dynamodb/create-tables.js';
import { DynamoPostbackStore } from '../../src/adapters/postbacks/dynamodb-store.js';
import { TENANT_REGISTRY_TABLE } from '../../src/definitions/tables.js';
import { describePostbackStoreContract } from '../postbacks/store-contract.js';
import { localClients } from '../support/local.js';

/** The postback store port on the tenant registry table (DynamoDB Local): the cloud's store. */

describePostbackStoreContract('DynamoDB', async (now) => {
  const clients = localClients();
  // A fresh table for every test: `pending` reads every app of the table.
  const tableName = `registry-${randomUUID().slice(0, 8)}`;
  await createTables(clients.dynamodb as DynamoDBClient, [TENANT_REGISTRY_TABLE], {
    [TENANT_REGISTRY_TABLE.logicalName]: tableName,
  });
  return new DynamoPostbackStore({ documents: clients.documents, tableName, cacheTtlSeconds: 0, now });
});
