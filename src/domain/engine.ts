import { decideEvent } from './decide-event.js';
import { decideTouchpoint } from './decide-touchpoint.js';
import type { DecisionContext, RecordOutcome } from './decision.js';
import { DataCenterMatcher } from './fraud.js';
import { Overlay } from './overlay.js';
import { collectKeySets, loadRequestOf, type PreparedRecord, prepareBatch } from './prepare.js';
import type { PipelineRecord } from './records.js';
import type { AppSettings } from './settings.js';
import type { AttributionStore, StoreSnapshot, UnitOfWork } from './store.js';

/**
 * The attribution engine (SPEC §4): prepare a batch (`prepare.ts`), load what it needs once, decide
 * every record in order over the batch's view (`decide-event.ts`, `decide-install.ts`,
 * `decide-touchpoint.ts`), commit once. Explanations are rendered by `explain.ts`.
 */

export type { DecisionContext, RecordOutcome } from './decision.js';
export { collectKeySets, collectKeys, type PreparedRecord, prepareBatch } from './prepare.js';

/** How the engine is configured. */
export interface EngineOptions {
  /** The app's resolved settings (SPEC §4 defaults for what it left out); called once per app per batch. */
  settingsFor(tenantId: string, appId: string): AppSettings | Promise<AppSettings>;
  /**
   * Operator-supplied data-centre CIDR ranges for fraud rule `data_center_ip`.
   * @default [] (the rule does not apply)
   */
  readonly dataCenterCidrs?: readonly string[];
}

export interface BatchResult {
  readonly outcomes: RecordOutcome[];
  /** Indexes of records to retry (Kinesis partial batch failure). */
  readonly failedRecordIndexes: number[];
}

export interface BatchDecision {
  readonly outcomes: RecordOutcome[];
  readonly units: UnitOfWork[];
}

/**
 * The pure, synchronous heart of the engine: decides every record of a batch in order over the
 * snapshot, each record seeing the ones before it (a click then an install in one batch), and returns
 * one outcome per record and one unit of work per non-duplicate record. Same input, same output.
 * @param touchpointKeys the keys the batch's installs read touchpoints under (`collectKeySets`): a
 *   touchpoint of the batch is kept in the batch's view only under those.
 */
export function decideBatch(
  prepared: readonly PreparedRecord[],
  snapshot: StoreSnapshot,
  ctx: DecisionContext,
  touchpointKeys: ReadonlySet<string> = collectKeySets(prepared).touchpointKeys,
): BatchDecision {
  const ov = new Overlay(snapshot, touchpointKeys);
  const outcomes = new Array<RecordOutcome>(prepared.length);
  const units: UnitOfWork[] = [];
  for (let i = 0; i < prepared.length; i++) {
    const p = prepared[i] as PreparedRecord;
    const r = p.kind === 'event' ? decideEvent(p, ov, ctx) : decideTouchpoint(p, ov, ctx);
    outcomes[i] = r.outcome;
    if (r.unit) units.push(r.unit);
  }
  return { outcomes, units };
}

/** Settings keyed by tenant and app, resolved once per batch. */
async function resolveBatchSettings(
  records: readonly PipelineRecord[],
  settingsFor: EngineOptions['settingsFor'],
): Promise<(tenantId: string, appId: string) => AppSettings> {
  const byApp = new Map<string, Map<string, AppSettings>>();
  let lastTenant: string | undefined;
  let lastApp: string | undefined;
  for (let i = 0; i < records.length; i++) {
    const r = records[i] as PipelineRecord;
    const scoped = r.kind === 'event' ? r.event : r.touchpoint;
    const tenantId = scoped.tenantId;
    const appId = scoped.appId;
    // Records of a batch mostly share one app: skip the look-ups while it repeats.
    if (tenantId === lastTenant && appId === lastApp) continue;
    lastTenant = tenantId;
    lastApp = appId;
    let apps = byApp.get(tenantId);
    if (!apps) {
      apps = new Map();
      byApp.set(tenantId, apps);
    }
    if (!apps.has(appId)) apps.set(appId, await settingsFor(tenantId, appId));
  }
  if (byApp.size === 1 && lastTenant !== undefined && lastApp !== undefined) {
    const only = byApp.get(lastTenant)?.get(lastApp);
    if (only && byApp.get(lastTenant)?.size === 1) {
      const onlyTenant = lastTenant;
      const onlyApp = lastApp;
      return (tenantId, appId) => {
        if (tenantId === onlyTenant && appId === onlyApp) return only;
        throw new Error(`no settings resolved for tenant ${tenantId}, app ${appId}`);
      };
    }
  }
  return (tenantId, appId) => {
    const s = byApp.get(tenantId)?.get(appId);
    if (!s) throw new Error(`no settings resolved for tenant ${tenantId}, app ${appId}`);
    return s;
  };
}

/**
 * The attribution engine: one `load`, an in-memory decision over the whole batch, one `commit`.
 * @example
 * const engine = new AttributionEngine(store, { settingsFor: (t, a) => settingsRepo.get(t, a) });
 * const { failedRecordIndexes } = await engine.processBatch(records);
 */
export class AttributionEngine {
  private readonly dataCenter?: DataCenterMatcher;

  constructor(
    private readonly store: AttributionStore,
    private readonly options: EngineOptions,
  ) {
    const cidrs = options.dataCenterCidrs ?? [];
    if (cidrs.length > 0) this.dataCenter = new DataCenterMatcher(cidrs);
  }

  /**
   * @param sourceIds identity of each record's input (e.g. its stream record), by index, kept with the
   *   event's marker so a redelivery of that same input gets the stored decision back (`previous`).
   */
  async processBatch(
    records: readonly PipelineRecord[],
    sourceIds?: readonly (string | undefined)[],
  ): Promise<BatchResult> {
    if (records.length === 0) return { outcomes: [], failedRecordIndexes: [] };
    const settingsFor = await resolveBatchSettings(records, this.options.settingsFor);
    const prepared = prepareBatch(records);
    const keys = collectKeySets(prepared);
    const snapshot = await this.store.load(loadRequestOf(keys));
    const base: DecisionContext = this.dataCenter
      ? { settingsFor, dataCenter: this.dataCenter }
      : { settingsFor };
    const ctx: DecisionContext = sourceIds ? { ...base, sourceIds } : base;
    const { outcomes, units } = decideBatch(prepared, snapshot, ctx, keys.touchpointKeys);
    const { failedRecordIndexes } = await this.store.commit(units);
    if (failedRecordIndexes.length === 0) return { outcomes, failedRecordIndexes: [] };
    const failed = new Set(failedRecordIndexes);
    return {
      outcomes: outcomes.map((o) => (failed.has(o.index) ? { index: o.index, status: 'failed' } : o)),
      failedRecordIndexes: [...failed].sort((a, b) => a - b),
    };
  }
}
