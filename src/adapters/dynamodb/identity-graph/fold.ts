import type { UnitOfWork } from '../../../domain/store.js';
import { unique } from '../../concurrency.js';
import type { TransactItem } from './layout.js';
import { planUnit, type UnitPlan } from './plans.js';
import type { GraphTable } from './table.js';

/**
 * Folding: a device's consecutive units of one batch applied as one plan (the device written once,
 * every unit's marker with it). The exactly-once argument: docs/identity-graph.md.
 */

/** Most units folded into one plan: a fold must fit a transaction (100 items) with its counters. */
export const FOLD_LIMIT = 25;

/**
 * Cuts a chain (units of one device or event, in record order) into runs that can be applied as one:
 * consecutive units that each write exactly that one device, each at the version after the one before
 * (as the engine writes a batch), each with its own event. A run's plan
 * (`planUnits`) writes the device once, at the last unit's version, on the condition the first unit
 * expects, with every unit's marker: all of the run commits or none of it.
 */
export function foldChain(chain: readonly UnitOfWork[], limit = FOLD_LIMIT): UnitOfWork[][] {
  const runs: UnitOfWork[][] = [];
  let run: UnitOfWork[] = [];
  let last: { deviceId: string; version: number } | undefined;
  let events = new Set<string>();
  for (const unit of chain) {
    const only = unit.devices.length === 1 ? unit.devices[0] : undefined;
    // Joins the run when it builds on the run's last write: the same device, the next version.
    const joins =
      only !== undefined &&
      only.deviceId === last?.deviceId &&
      only.version === last.version + 1 &&
      run.length < limit &&
      (unit.eventKey === undefined || !events.has(unit.eventKey));
    if (!joins && run.length > 0) {
      runs.push(run);
      run = [];
      events = new Set();
    }
    run.push(unit);
    last = only;
    if (unit.eventKey) events.add(unit.eventKey);
  }
  if (run.length > 0) runs.push(run);
  return runs;
}
/**
 * The plan of a run of units (`foldChain`): their puts with each item once, the last unit's version of
 * it (a later unit's device, link or history item replaces an earlier one, as applying them in order
 * would), the device put on the first unit's condition; their counters and IP-hour counts added up.
 */
export function planUnits(t: GraphTable, units: readonly UnitOfWork[]): UnitPlan {
  const plans = units.map((u) => planUnit(t, u));
  const [first] = plans;
  if (!first || plans.length === 1) return first as UnitPlan;
  const owned = new Map<string, TransactItem>();
  for (const plan of plans) {
    plan.owned.forEach((item, i) => {
      const key = plan.ownedKeys[i] as string;
      const earlier = owned.get(key)?.Put;
      const put = item.Put;
      // A device keeps the condition of its first write in the run: the version stored before it.
      const isDevice = key.startsWith('D#') && key.endsWith('|D');
      owned.set(
        key,
        isDevice && earlier && put
          ? {
              Put: {
                TableName: put.TableName,
                Item: put.Item,
                ...(earlier.ConditionExpression ? { ConditionExpression: earlier.ConditionExpression } : {}),
                ...(earlier.ExpressionAttributeValues
                  ? { ExpressionAttributeValues: earlier.ExpressionAttributeValues }
                  : {}),
              },
            }
          : item,
      );
    });
  }
  const ipDeltas = new Map<string, number>();
  for (const plan of plans)
    for (const [key, delta] of plan.ipDeltas) ipDeltas.set(key, (ipDeltas.get(key) ?? 0) + delta);
  const ipHourKeys = unique(plans.flatMap((p) => p.ipHourKeys));
  const rowKeys = unique(plans.flatMap((p) => p.rowKeys));
  const sharedKeys = new Set<string>([...rowKeys, ...ipHourKeys]);
  return {
    units: [...units],
    owned: [...owned.values()],
    ownedKeys: [...owned.keys()],
    sharedKeys,
    ipHourKeys,
    rowKeys,
    ipDeltas,
    itemCount: owned.size + sharedKeys.size,
  };
}
