// Seeds of the chaos suites: printed in every failure, settable to replay a run.

/** mulberry32, the same generator the stand-in's fault mode uses. */
export { seededRandom } from '../github-standin/faults.ts';

/**
 * The seed from `BOSUN_CHAOS_SEED` when set (another run's, or a new one to explore), else `fallback`
 * (fixed, so a CI run is repeatable); `note` names it for failure messages.
 */
export function chaosSeed(label: string, fallback = 1): { seed: number; note: string } {
  const given = process.env.BOSUN_CHAOS_SEED;
  const seed = given !== undefined && given !== '' ? Number(given) : fallback;
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`BOSUN_CHAOS_SEED must be a non-negative integer, got ${given}`);
  return { seed, note: `${label}: seed ${seed} (replay with BOSUN_CHAOS_SEED=${seed})` };
}
