import type { ReplayHistory } from '../../domain/replay.js';

/** The raw history of an app that replay re-runs (the lake's events and touchpoints). */
export interface ReplayHistorySource {
  /** False while no lake can be read (local mode hands its lake over once it is up). */
  readonly available: boolean;
  read(scope: {
    readonly tenantId: string;
    readonly appId: string;
    readonly fromDay: string;
    readonly toDay: string;
  }): Promise<ReplayHistory & { readonly truncated: boolean }>;
}
