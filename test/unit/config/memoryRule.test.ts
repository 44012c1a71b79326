/**
 * The validator warns when the model's memory estimate is large, from the synthetic generator's counts or
 * the data file's distinct users and items, at the key that makes it big.
 */
import { describe, expect, it } from 'vitest';

import { checkExperimentText } from '../../../src/core/config/check';
import type { DataProbe } from '../../../src/core/config/dataProbe';
import { MODEL_MEMORY_WARNING_BYTES } from '../../../src/core/config/memoryRule';
import { formatMemory } from '../../../src/core/model/memory';

const synthetic = (users: number, items: number, userTower = '{}', training = '{}') =>
  `data:\n  synthetic: { users: ${users}, items: ${items} }\nuser_tower: ${userTower}\nitem_tower: {}\nscore: {}\ntraining: ${training}\nevaluation: { k: [10] }\n`;
const torch = (processes: number, nodes = 1) => `{ engine: torch, engine_options: { processes: ${processes}, nodes: ${nodes}, device: cpu } }`;
const bytesOf = (d: { data?: unknown }) => (d.data as { bytes: number }).bytes;

const memory = async (text: string, probe?: DataProbe) =>
  (await checkExperimentText(text, { filePath: '/tmp/x.tower.yaml', probe: probe ?? { columns: () => Promise.resolve([]) } })).diagnostics.filter((d) => d.code === 'model-memory' || d.code === 'model-too-large');

describe('model-memory', () => {
  it('id_embedding_dim: 200000000 on 2000 synthetic users: an error at the key (no run starts)', async () => {
    const text = synthetic(2000, 1000, '{ id_embedding_dim: 200000000 }');
    const [d, ...rest] = await memory(text);
    expect(rest).toEqual([]);
    expect(d.code).toBe('model-too-large');
    expect(d.severity).toBe('error');
    expect(d.path).toEqual(['user_tower', 'id_embedding_dim']);
    // Line 2 (0-based) is `user_tower: { id_embedding_dim: 200000000 }`.
    expect(d.range.start.line).toBe(2);
    expect(d.message).toMatch(/^The model is too large to build: the user_tower ID embedding, 2001 rows × 200000000, would hold \d+ values, more than one array can .*Lower `user_tower\.id_embedding_dim`/s);
  });

  it('4 million synthetic items with the default towers: ≈ 4.7 GB, at item_tower.id_embedding_dim', async () => {
    const [d] = await memory(synthetic(1000, 4_080_000));
    expect(d.code).toBe('model-memory');
    expect(d.severity).toBe('warning');
    expect(d.path).toEqual(['item_tower', 'id_embedding_dim']);
    expect(d.message).toMatch(/≈ 4\.7 GB at its peak/);
    expect(d.message).toContain('`item_tower.id_embedding_dim: 32` (the item_tower ID embedding, 4080001 rows × 32)');
    expect((d.data as { bytes: number }).bytes).toBeGreaterThan(MODEL_MEMORY_WARNING_BYTES);
  });

  it('a small model: no warning', async () => {
    expect(await memory(synthetic(2000, 1000))).toEqual([]);
  });

  it("from a data file: the probe's distinct users and items", async () => {
    const probe: DataProbe = {
      columns: () => Promise.resolve(['user_id', 'item_id', 'timestamp', 'clicked']),
      itemCount: (_file, column) => Promise.resolve(column === 'item_id' ? 5_000_000 : 1000),
    };
    const text = `data:\n  interactions: { path: log.csv }\nuser_tower: {}\nitem_tower: {}\nscore: {}\ntraining: {}\nevaluation: { k: [10] }\n`;
    const [d] = await memory(text, probe);
    expect(d.message).toContain('(1000 users and 5000000 items in the data)');
    expect(d.message).toContain(formatMemory((d.data as { bytes: number }).bytes));
  });

  describe('with the torch engine: a replica per process, so the figure is per node and grows with processes', () => {
    it('an array longer than Node can hold is the same error as on tfjs (the front door reads the weights in Node)', async () => {
      const [d, ...rest] = await memory(synthetic(2000, 1000, '{ id_embedding_dim: 200000000 }', torch(2)));
      expect(rest).toEqual([]);
      expect(d.code).toBe('model-too-large');
      expect(d.severity).toBe('error');
      expect(d.path).toEqual(['user_tower', 'id_embedding_dim']);
    });

    it('one process: its replica and, on rank 0, the state 3 times more while a checkpoint is written (4 × 1.57 GB)', async () => {
      const [d] = await memory(synthetic(1000, 4_080_000, '{}', torch(1)));
      const state = 4 * (4_080_001 + 1_001) * 32 * 3;
      expect(bytesOf(d)).toBeGreaterThan(4 * state);
      expect(bytesOf(d)).toBeLessThan(4 * state * 1.01);
      expect(d.message).toMatch(/^With the torch engine the model needs ≈ 6\.3 GB on this node at its peak with one process \(1000 users and 4080000 items\): 1\.6 GB per process/);
      expect(d.message).not.toContain("DDP's buckets");
      expect(d.message).toContain('Lower `item_tower.id_embedding_dim` unless the node has the memory.');
    });

    it('2 processes: rank 0 at its checkpoint peak and one more replica, at the largest key, saying what each process holds', async () => {
      const [d] = await memory(synthetic(1000, 4_080_000, '{}', torch(2)));
      expect(d.code).toBe('model-memory');
      expect(d.path).toEqual(['item_tower', 'id_embedding_dim']);
      expect(d.message).toMatch(/^With the torch engine the model needs ≈ \S+ GB on this node at its peak with 2 processes/);
      expect(d.message).toContain(formatMemory(bytesOf(d)));
      expect(d.message).toContain("DDP's buckets");
      expect(d.message).toContain('≈ 32 B per training positive');
      expect(d.message).toContain('use fewer `engine_options.processes`');
      const [four] = await memory(synthetic(1000, 4_080_000, '{}', torch(4)));
      // Two replicas more: the state of 4,080,001 + 1,001 rows × 32 floats × 3 (Adam), and the dense gradients twice.
      const replica = (bytesOf(four) - bytesOf(d)) / 2;
      expect(replica).toBeGreaterThan(4 * (4_080_001 + 1_001) * 32 * 3);
      expect(replica).toBeLessThan(4 * (4_080_001 + 1_001) * 32 * 3 * 1.01);
    });

    it('a run of several nodes is not compared with this machine, and names the first node', async () => {
      const [d] = await memory(synthetic(1000, 4_080_000, '{}', torch(2, 3)));
      expect(d.message).toContain('on the first node at its peak');
      expect(d.message).not.toContain("more than this machine's");
    });
  });
});

