/** The one metrics port: counts a named metric (Powertools EMF in Lambda, a map in tests). */
export interface MetricsSink {
  count(name: string, value: number): void;
}
