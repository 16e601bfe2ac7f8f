import { Stack } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import {
  COST_COLUMNS,
  DATA_LAKE,
  ERASURE_COLUMNS,
  FX_RATE_COLUMNS,
  LAKE_COSTS,
  LAKE_ERASURES,
  LAKE_FX_RATES,
  LAKE_PROJECTION_START_DATE,
  LAKE_TABLE_COLUMNS,
  type LakeColumn,
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
  /** Ad spend (JSON objects written by the costs route). */
  readonly costsTable: glue.CfnTable;
  /** Daily FX rates per tenant (JSON objects written by the fx-rates route). */
  readonly fxRatesTable: glue.CfnTable;

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
    this.costsTable = this.createJsonTable(props, 'costsTable', {
      ...LAKE_COSTS,
      columns: COST_COLUMNS,
      description: 'Ad spend (SPEC §8): one object per cost row, keyed by its idempotency key',
    });
    this.fxRatesTable = this.createJsonTable(props, 'fxRatesTable', {
      ...LAKE_FX_RATES,
      columns: FX_RATE_COLUMNS,
      description: 'Daily FX rates per tenant (SPEC §8): one object per date and currency pair',
    });
  }

  private createErasuresTable(props: LakeCatalogProps): glue.CfnTable {
    return this.createJsonTable(props, 'erasuresTable', {
      ...LAKE_ERASURES,
      columns: ERASURE_COLUMNS,
      description: 'Erasure tombstones: erased device ids and identifier hashes, never identifier values',
    });
  }

  /**
   * A table of JSON objects the API writes itself (not Firehose), with partition projection: tenant and
   * app injected (every query names them), `dt` a projected date.
   */
  private createJsonTable(
    props: LakeCatalogProps,
    id: string,
    table: {
      readonly table: string;
      readonly prefix: string;
      readonly partitionKeys: readonly string[];
      readonly columns: readonly LakeColumn[];
      readonly description: string;
    },
  ): glue.CfnTable {
    const location = `s3://${props.bucket.bucketName}/${table.prefix}`;
    const projected: Record<string, string> = {};
    for (const key of table.partitionKeys) {
      if (key === 'dt') {
        projected['projection.dt.type'] = 'date';
        projected['projection.dt.format'] = 'yyyy-MM-dd';
        projected['projection.dt.range'] = `${LAKE_PROJECTION_START_DATE},NOW+1DAYS`;
        projected['projection.dt.interval'] = '1';
        projected['projection.dt.interval.unit'] = 'DAYS';
      } else {
        projected[`projection.${key}.type`] = 'injected';
      }
    }
    const cfn = new glue.CfnTable(this, id, {
      catalogId: Stack.of(this).account,
      databaseName: props.databaseName,
      tableInput: {
        name: table.table,
        description: table.description,
        tableType: 'EXTERNAL_TABLE',
        partitionKeys: table.partitionKeys.map((name) => ({ name, type: 'string' })),
        parameters: {
          classification: 'json',
          EXTERNAL: 'TRUE',
          'projection.enabled': 'true',
          ...projected,
          'storage.location.template': `${location}${table.partitionKeys.map((key) => `${key}=\${${key}}`).join('/')}/`,
        },
        storageDescriptor: {
          location,
          columns: table.columns.map((column) => ({ name: column.name, type: column.type })),
          inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
          outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
          serdeInfo: { serializationLibrary: 'org.openx.data.jsonserde.JsonSerDe' },
        },
      },
    });
    cfn.addResourceDependency(this.database);
    return cfn;
  }

  /** ARN of a lake table. */
  tableArn(
    table: LakeTableName | typeof LAKE_ERASURES.table | typeof LAKE_COSTS.table | typeof LAKE_FX_RATES.table,
  ): string {
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
        this.tableArn(LAKE_COSTS.table),
        this.tableArn(LAKE_FX_RATES.table),
      ],
    });
  }
}
