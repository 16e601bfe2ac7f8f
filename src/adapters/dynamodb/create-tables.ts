import {
  type AttributeDefinition,
  CreateTableCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import type { KeyAttribute, TableDefinition } from '../../definitions/tables.js';

/**
 * Builds the CreateTable input of a shared table definition (`src/definitions/tables.ts`), so local
 * mode and the tests create exactly the key schema and indexes the CDK stacks deploy.
 */
export function createTableInput(definition: TableDefinition, tableName: string): CreateTableCommandInput {
  const attributes = new Map<string, AttributeDefinition>();
  const add = (key: KeyAttribute | undefined) => {
    if (key) attributes.set(key.name, { AttributeName: key.name, AttributeType: key.type });
  };
  add(definition.partitionKey);
  add(definition.sortKey);
  for (const index of definition.globalSecondaryIndexes) {
    add(index.partitionKey);
    add(index.sortKey);
  }
  const keySchema = (pk: KeyAttribute, sk?: KeyAttribute) => [
    { AttributeName: pk.name, KeyType: 'HASH' as const },
    ...(sk ? [{ AttributeName: sk.name, KeyType: 'RANGE' as const }] : []),
  ];
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...attributes.values()],
    KeySchema: keySchema(definition.partitionKey, definition.sortKey),
    ...(definition.globalSecondaryIndexes.length > 0
      ? {
          GlobalSecondaryIndexes: definition.globalSecondaryIndexes.map((index) => ({
            IndexName: index.indexName,
            KeySchema: keySchema(index.partitionKey, index.sortKey),
            Projection: { ProjectionType: 'ALL' as const },
          })),
        }
      : {}),
  };
}

/**
 * Creates each table (if missing) and turns on its TTL attribute.
 * @param names physical table name by logical name; @default the logical name
 * @example
 * await createTables(client, TABLES, { IdentityGraph: 'ugp-test-graph' });
 */
export async function createTables(
  client: DynamoDBClient,
  definitions: readonly TableDefinition[],
  names: Readonly<Record<string, string>> = {},
): Promise<void> {
  await Promise.all(
    definitions.map(async (definition) => {
      const tableName = names[definition.logicalName] ?? definition.logicalName;
      try {
        await client.send(new CreateTableCommand(createTableInput(definition, tableName)));
      } catch (error) {
        if (error instanceof ResourceInUseException) return;
        throw error;
      }
      await waitUntilTableExists({ client, maxWaitTime: 60, minDelay: 1 }, { TableName: tableName });
      if (definition.timeToLiveAttribute) {
        await client.send(
          new UpdateTimeToLiveCommand({
            TableName: tableName,
            TimeToLiveSpecification: { AttributeName: definition.timeToLiveAttribute, Enabled: true },
          }),
        );
      }
    }),
  );
}
