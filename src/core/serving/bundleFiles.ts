/**
 * The names inside an export bundle, defined once (as runFiles.ts does for the run folder): `export`
 * writes them, `embed`, `recommend` and serving systems read them (docs/serving.md).
 */
import type { TowerKey } from '../model/memory';

export const BUNDLE_FORMAT = 'two-tower-lab/bundle@1';
export const MANIFEST_FILE = 'manifest.json';
/** Per tower: the ID vocabulary (`ids[row]`, row 0 = `<oov>`) and the fitted feature encoders. */
export const TOWER_FILE: Record<TowerKey, string> = { user_tower: 'user_tower.json', item_tower: 'item_tower.json' };
/** The usearch index of the item vectors (row r of items.bin has key r). */
export const ITEM_INDEX_FILE = 'items.usearch';
/** The tower weights: MODEL_FILE and WEIGHTS_FILE of core/train/weightsFile.ts (tfjs weights format). */
export { MODEL_FILE, WEIGHTS_FILE } from '../train/weightsFile';

export const TOWER_KEYS = ['user_tower', 'item_tower'] as const satisfies readonly TowerKey[];
/**
 * Each tower as a tfjs LayersModel (core/serving/tfjsTower.ts), in its own folder: `model.json` (topology
 * and weights manifest) and `weights.bin`, the layout tf.loadLayersModel reads from a URL or file://.
 */
export const TFJS_TOWER_MODEL: Record<TowerKey, string> = { user_tower: 'user_tower/model.json', item_tower: 'item_tower/model.json' };
/** The towers as TorchScript, in bundles of torch runs (python/two_tower_lab/torchscript.py writes them). */
export const TORCHSCRIPT_FILE: Record<TowerKey, string> = { user_tower: 'user_tower.pt', item_tower: 'item_tower.pt' };
