/** Positives grouped by user (CSR layout), so that evaluation finds a user's items without scanning. */
import type { PositivePairs } from '../data/dataset';
import { itemsByPopularity } from '../sampling/popularity';

export interface ItemsByUser {
  /** Items of user u are items[offsets[u] .. offsets[u + 1]). */
  offsets: Int32Array;
  items: Int32Array;
}

export function groupByUser(pairs: PositivePairs, numUsers: number): ItemsByUser {
  const offsets = new Int32Array(numUsers + 1);
  for (let i = 0; i < pairs.users.length; i++) offsets[pairs.users[i] + 1]++;
  for (let u = 0; u < numUsers; u++) offsets[u + 1] += offsets[u];
  const fill = offsets.slice(0, numUsers);
  const items = new Int32Array(pairs.items.length);
  for (let i = 0; i < pairs.users.length; i++) items[fill[pairs.users[i]]++] = pairs.items[i];
  return { offsets, items };
}

/**
 * The head items: the top `share` of real items (index 0, the OOV row, excluded) by training clicks,
 * ties to the lower index. The rest are the tail.
 */
export function headItemMask(itemClicks: Float64Array, share = 0.2): Uint8Array {
  const order = itemsByPopularity(itemClicks);
  const mask = new Uint8Array(itemClicks.length);
  const headCount = Math.ceil(share * order.length);
  for (let i = 0; i < headCount; i++) mask[order[i]] = 1;
  return mask;
}
