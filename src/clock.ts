/** Milliseconds on the monotonic clock. process.hrtime rather than the `performance` global, whose
 * first use loads all of perf_hooks (~0.5 MiB that an idle daemon would carry for nothing). */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
