import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { CommitResult, UnitOfWork } from '../../../domain/store.js';
import { chunk, mapLimit } from '../../concurrency.js';
import { isThrottling } from '../../throttling.js';
import { transactionWriteUnits } from '../billing.js';
import { foldChain, planUnits } from './fold.js';
import { BATCH_WRITE_LIMIT, type Item, TRANSACTION_LIMIT } from './layout.js';
import {
  chains,
  isPureTouchpointUnit,
  type PackedTransaction,
  packTransactions,
  planUnit,
  sharedItemGroups,
  touchpointItems,
  transactItems,
  type UnitPlan,
} from './plans.js';
import type { GraphTable } from './table.js';

/**
 * The engine's commit: pure touchpoint units as BatchWriteItem puts, the others packed into
 * transactions in waves that keep each device's units in record order.
 */

export async function commit(t: GraphTable, units: readonly UnitOfWork[]): Promise<CommitResult> {
  const failed = new Set<number>();
  // Pure touchpoint units (no event, no device change) are idempotent puts: BatchWriteItem, billed
  // once per item instead of twice. Everything else goes through packed transactions.
  const puts: UnitOfWork[] = [];
  const transactional: UnitOfWork[] = [];
  for (const unit of units) (isPureTouchpointUnit(unit) ? puts : transactional).push(unit);
  await Promise.all([commitPuts(t, puts, failed), commitTransactions(t, transactional, failed)]);
  return { failedRecordIndexes: [...failed].sort((a, b) => a - b) };
}
/**
 * Units touching the same device (or event) must apply in record order: each expects the version the
 * previous one wrote. A chain's consecutive units on one device are folded into one plan (`foldChain`:
 * the device written once, every marker with it); the folded runs of every chain are cut into waves
 * (the n-th run of every chain), a wave's runs are independent, and they are packed several to a
 * transaction: each run stays atomic (its transaction is), a run that loses its condition is named by
 * the cancellation reasons and the rest of its transaction is resubmitted without it. A folded run that
 * loses is applied again one unit at a time, so only the units that cannot commit fail; a failed unit
 * fails the rest of its chain.
 */
export async function commitTransactions(
  t: GraphTable,
  units: readonly UnitOfWork[],
  failed: Set<number>,
): Promise<void> {
  const all = chains(units).map((chain) => foldChain(chain));
  const broken = new Set<number>();
  const longest = all.reduce((n, c) => Math.max(n, c.length), 0);
  for (let w = 0; w < longest; w++) {
    const wave: { plan: UnitPlan; chain: number }[] = [];
    all.forEach((runs, i) => {
      const run = runs[w];
      if (!run) return;
      if (broken.has(i)) for (const unit of run) failed.add(unit.recordIndex);
      else wave.push({ plan: planUnits(t, run), chain: i });
    });
    const chainOf = new Map(wave.map((u) => [u.plan, u.chain]));
    /** Settles a plan that was not applied: a folded run is applied unit by unit, a single unit fails. */
    const lost = async (plan: UnitPlan) => {
      const left = plan.units.length > 1 ? await applyInTurn(t, plan.units) : plan.units;
      if (left.length === 0) return;
      for (const unit of left) failed.add(unit.recordIndex);
      broken.add(chainOf.get(plan) ?? -1);
    };
    const runnable: UnitPlan[] = [];
    for (const { plan } of wave) {
      if (plan.itemCount > TRANSACTION_LIMIT) await lost(plan);
      else runnable.push(plan);
    }
    // Each transaction of the commit adds its counters to the next shard of their rows, so a commit
    // writes a row's shard item once (up to `counterShards` transactions). Transactions that still
    // share an additive item (an IP-hour count, a shard when there are more transactions than shards)
    // run one after the other: concurrent transactions on one item cancel each other (TransactionConflict).
    const transactions = packTransactions(runnable, t.unitsPerTransaction).map(
      (plans): PackedTransaction => ({ plans, counterShard: counterShardFor(t, plans) }),
    );
    await mapLimit(sharedItemGroups(transactions), t.commitConcurrency, async (group) => {
      for (const transaction of group)
        for (const plan of await applyTransaction(t, transaction)) await lost(plan);
    });
  }
}
const counterShardFor = (t: GraphTable, plans: readonly UnitPlan[]) =>
  plans.some((p) => p.rowKeys.length > 0) ? t.nextCounterShard() : 0;
/**
 * Applies units of one chain one at a time, in order, each in its own transaction (a folded run that
 * was refused); returns the units not applied: the first that failed and every one after it.
 */
export async function applyInTurn(t: GraphTable, units: readonly UnitOfWork[]): Promise<UnitOfWork[]> {
  for (let i = 0; i < units.length; i++) {
    const plan = planUnit(t, units[i] as UnitOfWork);
    const refused =
      plan.itemCount > TRANSACTION_LIMIT ||
      (await applyTransaction(t, { plans: [plan], counterShard: counterShardFor(t, [plan]) })).length > 0;
    if (refused) return units.slice(i);
  }
  return [];
}
/** Applies packed units in one transaction; returns the units that were not applied. */
export async function applyTransaction(t: GraphTable, transaction: PackedTransaction): Promise<UnitPlan[]> {
  const lost: UnitPlan[] = [];
  const { counterShard } = transaction;
  let live = [...transaction.plans];
  while (live.length > 0) {
    const { items, owners } = transactItems(t, live, counterShard);
    try {
      const { ConsumedCapacity } = await t.withRetry('TransactWriteItems', () =>
        t.documents.send(new TransactWriteCommand({ TransactItems: items, ReturnConsumedCapacity: 'TOTAL' })),
      );
      t.meter.record('TransactWriteItems', ConsumedCapacity);
      t.bill('TransactWriteItems', 0, transactionWriteUnits(items));
      return lost;
    } catch (error) {
      const cancelled = error instanceof TransactionCanceledException;
      if (cancelled || isThrottling(error)) {
        t.meter.record('TransactWriteItems', undefined);
        t.bill('TransactWriteItems', 0, 0);
      }
      if (cancelled) {
        // The reasons line up with the items: a failed condition names its unit.
        const losers = new Set<UnitPlan>();
        (error.CancellationReasons ?? []).forEach((reason, i) => {
          const owner = owners[i];
          if (reason.Code === 'ConditionalCheckFailed' && owner) losers.add(owner);
        });
        if (losers.size > 0) {
          lost.push(...losers);
          live = live.filter((p) => !losers.has(p));
          continue;
        }
      }
      if (live.length > 1) {
        // Throttled past the retries, or refused without naming a unit: isolate, one unit at a time.
        for (const plan of live) lost.push(...(await applyTransaction(t, { plans: [plan], counterShard })));
        return lost;
      }
      if (cancelled || isThrottling(error)) {
        lost.push(...live);
        return lost;
      }
      throw error;
    }
  }
  return lost;
}
/** Puts the items of pure touchpoint units with BatchWriteItem; units with an unwritten item fail. */
export async function commitPuts(
  t: GraphTable,
  units: readonly UnitOfWork[],
  failed: Set<number>,
): Promise<void> {
  const byKey = new Map<string, { item: Item; owners: number[] }>();
  for (const unit of units) {
    for (const item of touchpointItems(t, unit)) {
      const key = `${item.pk}|${item.sk}`;
      const entry = byKey.get(key);
      if (entry) entry.owners.push(unit.recordIndex);
      else byKey.set(key, { item, owners: [unit.recordIndex] });
    }
  }
  const entries = [...byKey.values()];
  await mapLimit(chunk(entries, BATCH_WRITE_LIMIT), t.commitConcurrency, async (batch) => {
    const unwritten = await t.batchWrite(batch.map((e) => ({ PutRequest: { Item: e.item } })));
    if (unwritten.length === 0) return;
    const left = new Set(unwritten.map((r) => `${r.PutRequest?.Item?.pk}|${r.PutRequest?.Item?.sk}`));
    for (const e of batch) if (left.has(`${e.item.pk}|${e.item.sk}`)) for (const i of e.owners) failed.add(i);
  });
}
