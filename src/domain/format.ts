/**
 * How durations and times read in explanations and fraud details. Its own module so that the fraud
 * rules and the explanation renderer both use it without importing each other.
 */

/** `6 d 23 h`, `26 h 5 min`, `2 min 5 s`, `0 s`: at most two units, rounded down. */
export function formatDuration(ms: number): string {
  const s = Math.floor(Math.abs(ms) / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
  const h = Math.floor(m / 60);
  // Up to two days in hours: a 24 h window reads as `24 h`, not `1 d`.
  if (h < 48) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

export function formatTime(ms: number): string {
  return new Date(ms).toISOString();
}
