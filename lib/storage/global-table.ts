import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { KeyAttribute, TableDefinition } from '../../src/definitions/index.js';

/** Billing of a table: on demand, or provisioned with autoscaling between a floor and a ceiling. */
export type TableCapacity =
  | { readonly mode: 'onDemand' }
  | {
      readonly mode: 'provisioned';
      readonly minReadCapacity: number;
      readonly maxReadCapacity: number;
      readonly minWriteCapacity: number;
      readonly maxWriteCapacity: number;
      readonly targetUtilizationPercent: number;
    };

export interface GlobalTableProps {
  /** Key schema, indexes and TTL attribute, from `src/definitions/tables.ts`. */
  readonly definition: TableDefinition;
  /** Physical name, the same in every replica region. */
  readonly tableName: string;
  /** The home region's key; encrypts the table in the home region. */
  readonly encryptionKey: kms.IKey;
  /**
   * Regions other than the stack's own that hold a replica, each with the ARN (or alias ARN) of the key
   * that encrypts the replica there.
   * @default {} (a single-region table)
   */
  readonly replicaKeyArns?: Readonly<Record<string, string>>;
  /**
   * Billing mode.
   * @default { mode: 'onDemand' }
   */
  readonly capacity?: TableCapacity;
  /**
   * RETAIN keeps the table and its replicas when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

const attributeType = (attribute: KeyAttribute): dynamodb.Attribute => ({
  name: attribute.name,
  type: {
    S: dynamodb.AttributeType.STRING,
    N: dynamodb.AttributeType.NUMBER,
    B: dynamodb.AttributeType.BINARY,
  }[attribute.type],
});

function billing(capacity: TableCapacity): dynamodb.Billing {
  if (capacity.mode === 'onDemand') return dynamodb.Billing.onDemand();
  return dynamodb.Billing.provisioned({
    readCapacity: dynamodb.Capacity.autoscaled({
      minCapacity: capacity.minReadCapacity,
      maxCapacity: capacity.maxReadCapacity,
      targetUtilizationPercent: capacity.targetUtilizationPercent,
    }),
    writeCapacity: dynamodb.Capacity.autoscaled({
      minCapacity: capacity.minWriteCapacity,
      maxCapacity: capacity.maxWriteCapacity,
      targetUtilizationPercent: capacity.targetUtilizationPercent,
    }),
  });
}

/**
 * A DynamoDB global table (TableV2) built from a shared table definition: point-in-time recovery, the
 * definition's TTL attribute, customer-managed encryption in every region, deletion protection when
 * retained. Declared once, in the home region's stack; other regions use {@link GlobalTable.fromName}.
 */
export class GlobalTable extends Construct {
  /**
   * The local replica of a global table, addressed by its name from a stack in any replica region.
   * Grants cover the table, its indexes and the region's key.
   */
  static fromName(
    scope: Construct,
    id: string,
    props: { definition: TableDefinition; tableName: string; encryptionKey: kms.IKey },
  ): ReplicaTable {
    return new ReplicaTable(scope, id, props);
  }

  readonly table: dynamodb.TableV2;

  constructor(scope: Construct, id: string, props: GlobalTableProps) {
    super(scope, id);
    const { definition } = props;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const replicaKeyArns = props.replicaKeyArns ?? {};
    const homeRegion = Stack.of(this).region;
    if (replicaKeyArns[homeRegion] !== undefined) {
      throw new Error(`replicaKeyArns must not include the table's own region ${homeRegion}`);
    }

    this.table = new dynamodb.TableV2(this, 'Table', {
      tableName: props.tableName,
      partitionKey: attributeType(definition.partitionKey),
      sortKey: definition.sortKey ? attributeType(definition.sortKey) : undefined,
      globalSecondaryIndexes: definition.globalSecondaryIndexes.map((index) => ({
        indexName: index.indexName,
        partitionKey: attributeType(index.partitionKey),
        sortKey: index.sortKey ? attributeType(index.sortKey) : undefined,
      })),
      timeToLiveAttribute: definition.timeToLiveAttribute,
      billing: billing(props.capacity ?? { mode: 'onDemand' }),
      encryption: dynamodb.TableEncryptionV2.customerManagedKey(props.encryptionKey, { ...replicaKeyArns }),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: removalPolicy !== RemovalPolicy.DESTROY,
      removalPolicy,
      replicas: Object.keys(replicaKeyArns).map((region) => ({ region })),
    });
  }
}

/** The DynamoDB item actions a function may be granted on a table (IAM names). */
export type TableItemAction =
  | 'dynamodb:GetItem'
  | 'dynamodb:BatchGetItem'
  | 'dynamodb:Query'
  | 'dynamodb:PutItem'
  | 'dynamodb:UpdateItem'
  | 'dynamodb:DeleteItem'
  | 'dynamodb:ConditionCheckItem'
  | 'dynamodb:BatchWriteItem';

/** Actions of {@link TableItemAction} that only read (the others write, so they need the key's encrypt rights). */
const READ_ITEM_ACTIONS: ReadonlySet<TableItemAction> = new Set([
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:ConditionCheckItem',
]);

/** The key actions a reader of an encrypted table needs (those of aws-cdk-lib's `grantReadData`). */
export const TABLE_KEY_READ_ACTIONS = ['kms:Decrypt', 'kms:DescribeKey'] as const;
/** The key actions a writer needs besides {@link TABLE_KEY_READ_ACTIONS} (those of `grantReadWriteData`). */
export const TABLE_KEY_WRITE_ACTIONS = ['kms:Encrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'] as const;

/** What one function does to one table: item actions on the table, and the actions on its indexes. */
export interface TableAccess {
  /** Item actions on the table itself. */
  readonly items: readonly TableItemAction[];
  /** Actions on every index of the table (named one by one). @default none */
  readonly indexes?: readonly 'dynamodb:Query'[];
}

/**
 * The replica of a global table in the current stack's region, addressed by name. Its grants list each
 * action (no aws-cdk-lib action group) and name each index of the definition instead of `index/*`.
 */
export class ReplicaTable extends Construct {
  readonly table: dynamodb.ITableV2;
  private readonly indexArns: readonly string[];

  constructor(
    scope: Construct,
    id: string,
    props: { definition: TableDefinition; tableName: string; encryptionKey: kms.IKey },
  ) {
    super(scope, id);
    this.table = dynamodb.TableV2.fromTableAttributes(this, 'Table', {
      tableName: props.tableName,
      encryptionKey: props.encryptionKey,
    });
    this.indexArns = props.definition.globalSecondaryIndexes.map(
      (index) => `${this.table.tableArn}/index/${index.indexName}`,
    );
  }

  get tableName(): string {
    return this.table.tableName;
  }

  /**
   * Exactly the item actions of `access` on the table and its index actions on each index, with the
   * key's decrypt rights (and encrypt rights when an action writes).
   * @example registry.grantAccess(fn, { items: ['dynamodb:GetItem'], indexes: ['dynamodb:Query'] })
   */
  grantAccess(grantee: iam.IGrantable, access: TableAccess): void {
    const writes = access.items.some((action) => !READ_ITEM_ACTIONS.has(action));
    this.table.encryptionKey?.grant(
      grantee,
      ...TABLE_KEY_READ_ACTIONS,
      ...(writes ? TABLE_KEY_WRITE_ACTIONS : []),
    );
    if (access.items.length > 0) {
      iam.Grant.addToPrincipal({ grantee, actions: [...access.items], resourceArns: [this.table.tableArn] });
    }
    if (access.indexes && access.indexes.length > 0 && this.indexArns.length > 0) {
      iam.Grant.addToPrincipal({ grantee, actions: [...access.indexes], resourceArns: [...this.indexArns] });
    }
  }

  /**
   * `UpdateItem` only on items whose partition key starts with `leadingKeyPrefix` (IAM's
   * `dynamodb:LeadingKeys` condition), with the key's encrypt rights: e.g. the ingest function's usage
   * counters (`LIMIT#…`) in the otherwise read-only tenant registry.
   */
  grantUpdateItemsWithLeadingKeys(grantee: iam.IGrantable, leadingKeyPrefix: string): iam.Grant {
    this.table.encryptionKey?.grantEncryptDecrypt(grantee);
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:UpdateItem'],
      resourceArns: [this.table.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${leadingKeyPrefix}*`] } },
    });
  }

  /**
   * `PutItem` only on items whose partition key starts with `leadingKeyPrefix`: e.g. the query function's
   * audit log entries (`AUDIT#…`) in the otherwise read-only tenant registry.
   */
  grantPutItemsWithLeadingKeys(grantee: iam.IGrantable, leadingKeyPrefix: string): iam.Grant {
    this.table.encryptionKey?.grantEncryptDecrypt(grantee);
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:PutItem'],
      resourceArns: [this.table.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${leadingKeyPrefix}*`] } },
    });
  }

  /** Lets `grantee` put and update only items whose partition key starts with `leadingKeyPrefix`. */
  grantWriteItemsWithLeadingKeys(grantee: iam.IGrantable, leadingKeyPrefix: string): iam.Grant {
    this.table.encryptionKey?.grantEncryptDecrypt(grantee);
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
      resourceArns: [this.table.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${leadingKeyPrefix}*`] } },
    });
  }
}
