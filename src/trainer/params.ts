/** The resolved config flattened to `path: value` for the `started` event (tables and tooltips). */
import type { Experiment } from '../core/config/schema';

export function flattenParams(config: Experiment): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  const walk = (value: unknown, prefix: string): void => {
    if (value === undefined || value === null) return;
    if (Array.isArray(value)) {
      if (value.every((v) => typeof v !== 'object' || v === null)) out[prefix] = `[${value.join(', ')}]`;
      else value.forEach((v, i) => walk(v, `${prefix}.${i}`));
    } else if (typeof value === 'object') {
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) walk(v, prefix === '' ? k : `${prefix}.${k}`);
    } else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      out[prefix] = value;
    }
  };
  // Data paths and descriptions are long and not parameters one compares runs on; the sweep section
  // launches runs, it is not one (a sweep's runs carry their point's values and `sweep.id` instead).
  const { description: _d, sweep: _s, ...rest } = config;
  walk({ ...rest, data: { ...config.data, interactions: undefined, user_features: undefined, item_features: undefined, ranking_log: undefined } }, '');
  if (config.data.interactions) out['data.interactions.path'] = config.data.interactions.path;
  return out;
}
