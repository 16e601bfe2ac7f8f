import { Stack } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import {
  DATA_LAKE,
  ERASURE_COLUMNS,
  LAKE_ERASURES,
  LAKE_PROJECTION_START_DATE,
  LAKE_TABLE_COLUMNS,
} from '../../src/definitions/index.js';

export type LakeTableName = keyof typeof DATA_LAKE.tables;

/** Glue actions a reader of the lake catalog needs (Athena, Firehose schema lookups). */
export const GLUE_READ_ACTIONS = [
  'glue:GetDatabase',
  'glue:GetTable',
  'glue:GetTables',
  'glue:GetTableVersion',
  'glue:GetTableVersions',
  'glue:GetPartition',
  'glue:GetPartitions',
] as const;

export interface LakeCatalogProps {
  /** Glue database name (lowercase, underscores). */
  readonly databaseName: string;
  /** The lake bucket the tables point at. */
  readonly bucket: s3.IBucket;
}

/**
 * The Glue database and the lake's tables (raw events, touchpoints, attributions), stored as Parquet
 * under `<table>/tenant_id=…/app_id=…/dt=YYYY-MM-DD/`. Partition projection replaces crawlers:
 * `tenant_id` and `app_id` are injected by each query's WHERE clause, `dt` is a date range.
 *
 * Beside them the `erasures` table: the privacy route's tombstones, JSON lines under
 * `erasures/tenant_id=…/app_id=…/`, which every report query anti-joins (see docs/privacy.md).
 */
export class LakeCatalog extends Construct {
  readonly database: glue.CfnDatabase;
  readonly databaseName: string;
  readonly tables: Readonly<Record<LakeTableName, glue.CfnTable>>;
  /** Erasure tombstones (JSON lines written by the privacy route, not by Firehose). */
  readonly erasuresTable: glue.CfnTable;

  constructor(scope: Construct, id: string, props: LakeCatalogProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.databaseName = props.databaseName;
    this.database = new glue.CfnDatabase(this, 'Database', {
      catalogId: stack.account,
      databaseInput: { name: props.databaseName, description: 'UnMoGrowP data lake' },
    });

    const tables = {} as Record<LakeTableName, glue.CfnTable>;
    for (const [tableName, prefix] of Object.entries(DATA_LAKE.tables) as [LakeTableName, string][]) {
      const location = `s3://${props.bucket.bucketName}/${prefix}/`;
      const table = new glue.CfnTable(this, `${tableName}Table`, {
        catalogId: stack.account,
        databaseName: props.databaseName,
        tableInput: {
          name: tableName,
          tableType: 'EXTERNAL_TABLE',
          partitionKeys: DATA_LAKE.partitionKeys.map((name) => ({ name, type: 'string' })),
          parameters: {
            classification: 'parquet',
            EXTERNAL: 'TRUE',
            'projection.enabled': 'true',
            'projection.tenant_id.type': 'injected',
            'projection.app_id.type': 'injected',
            'projection.dt.type': 'date',
            'projection.dt.format': 'yyyy-MM-dd',
            'projection.dt.range': `${LAKE_PROJECTION_START_DATE},NOW+1DAYS`,
            'projection.dt.interval': '1',
            'projection.dt.interval.unit': 'DAYS',
            'storage.location.template': `${location}${DATA_LAKE.partitionKeys.map((key) => `${key}=\${${key}}`).join('/')}/`,
          },
          storageDescriptor: {
            location,
            columns: LAKE_TABLE_COLUMNS[tableName].map((column) => ({
              name: column.name,
              type: column.type,
            })),
            inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
            outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
            serdeInfo: {
              serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
            },
            compressed: true,
          },
        },
      });
      table.addResourceDependency(this.database);
      tables[tableName] = table;
    }
    this.tables = tables;
    this.erasuresTable = this.createErasuresTable(props);
  }

  private createErasuresTable(props: LakeCatalogProps): glue.CfnTable {
    const location = `s3://${props.bucket.bucketName}/${LAKE_ERASURES.prefix}`;
    const table = new glue.CfnTable(this, 'erasuresTable', {
      catalogId: Stack.of(this).account,
      databaseName: props.databaseName,
      tableInput: {
        name: LAKE_ERASURES.table,
        description: 'Erasure tombstones: erased device ids and identifier hashes, never identifier values',
        tableType: 'EXTERNAL_TABLE',
        partitionKeys: LAKE_ERASURES.partitionKeys.map((name) => ({ name, type: 'string' })),
        parameters: {
          classification: 'json',
          EXTERNAL: 'TRUE',
          'projection.enabled': 'true',
          'projection.tenant_id.type': 'injected',
          'projection.app_id.type': 'injected',
          'storage.location.template': `${location}${LAKE_ERASURES.partitionKeys.map((key) => `${key}=\${${key}}`).join('/')}/`,
        },
        storageDescriptor: {
          location,
          columns: ERASURE_COLUMNS.map((column) => ({ name: column.name, type: column.type })),
          inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
          outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
          serdeInfo: { serializationLibrary: 'org.openx.data.jsonserde.JsonSerDe' },
        },
      },
    });
    table.addResourceDependency(this.database);
    return table;
  }

  /** ARN of a lake table. */
  tableArn(table: LakeTableName | typeof LAKE_ERASURES.table): string {
    return Stack.of(this).formatArn({
      service: 'glue',
      resource: 'table',
      resourceName: `${this.databaseName}/${table}`,
    });
  }

  /** Lets a principal read the catalog entries (not the data) of the lake. */
  grantRead(grantee: iam.IGrantable): iam.Grant {
    const stack = Stack.of(this);
    return iam.Grant.addToPrincipal({
      grantee,
      actions: [...GLUE_READ_ACTIONS],
      resourceArns: [
        stack.formatArn({ service: 'glue', resource: 'catalog' }),
        stack.formatArn({ service: 'glue', resource: 'database', resourceName: this.databaseName }),
        ...(Object.keys(DATA_LAKE.tables) as LakeTableName[]).map((table) => this.tableArn(table)),
        this.tableArn(LAKE_ERASURES.table),
      ],
    });
  }
}
