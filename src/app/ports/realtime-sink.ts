/** Real-time attribution counters (Timestream, when enabled): one count per outcome and dimension set. */
export interface OutcomeCount {
  readonly tenantId: string;
  readonly appId: string;
  readonly network: string;
  readonly campaign: string;
  /** attributed | organic | rejected | reinstall | reattribution | reengagement | event */
  readonly outcome: string;
  readonly count: number;
  readonly timeMs: number;
}

export interface RealtimeCounterSink {
  write(counts: readonly OutcomeCount[]): Promise<void>;
}
