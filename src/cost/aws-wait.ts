/** An AWS call made during an invocation: its local interval and its service. */
export interface TimedCall {
  readonly startMs: number;
  readonly endMs: number;
  readonly service: string;
}

/**
 * Local AWS wait and its cloud estimate: overlapping calls form a wave, which takes one round trip of
 * its slowest service in the cloud.
 */
export function awsWait(
  calls: readonly TimedCall[],
  latencyMs: (service: string) => number,
): { localMs: number; cloudMs: number } {
  const sorted = [...calls].sort((a, b) => a.startMs - b.startMs);
  let localMs = 0;
  let cloudMs = 0;
  let wave: { end: number; start: number; latency: number } | undefined;
  for (const c of sorted) {
    if (wave && c.startMs <= wave.end) {
      wave.end = Math.max(wave.end, c.endMs);
      wave.latency = Math.max(wave.latency, latencyMs(c.service));
      continue;
    }
    if (wave) {
      localMs += wave.end - wave.start;
      cloudMs += wave.latency;
    }
    wave = { start: c.startMs, end: c.endMs, latency: latencyMs(c.service) };
  }
  if (wave) {
    localMs += wave.end - wave.start;
    cloudMs += wave.latency;
  }
  return { localMs, cloudMs };
}
