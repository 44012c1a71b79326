/**
 * The per-epoch ANN figures of a torch run. usearch lives in the trainer's Node process, not in the
 * workers' Python, so rank 0 hands each evaluation's vectors to the front door through the run folder,
 * and the front door evaluates through an index of them exactly as the tfjs engine does (RunEvaluator
 * with the run's `serving:`): `ann_recall@K`, every metric through the index (`ann/…`) and what the index
 * was. Rank 0 merges the answer into its `eval` event, so the events, the plots and the CLI table of a
 * torch run hold the same figures as a tfjs run's.
 *
 * The exchange, in `<run>/ann-eval/` (each file written whole under a temporary name, then renamed):
 *   rank 0 → `request-<tag>.bin` (the evaluated users' vectors, then every item's, float32 little-endian),
 *            `request-<tag>.top.bin` (its exact top-k item rows of each user it ranked, int32 little-endian,
 *            best first, −1 after a user's last rankable item: the front door does not rank every item again),
 *            `request-<tag>.json` (what the .bin files hold; written last, so its presence means all are whole);
 *   front door → `response-<tag>.json` (`{ metrics, index }`, or `{ error }`); rank 0 removes all four.
 * Workers learn that someone answers from ANN_EVAL_ENV (the front door's pid, so that they stop waiting
 * if it dies); workers started without a front door (`two-tower-lab launch`) do not ask.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';

import type { AnnIndexInfo } from '../../shared/events';
import { writeFileAtomic } from '../../core/train/atomicWrite';
import type { RunEvaluator } from '../../core/train/runEval';

/** The exchange folder inside the run folder (python/two_tower_lab/names.py ANN_EVAL_DIR). */
export const ANN_EVAL_DIR = 'ann-eval';
/** Set in the workers' environment to the front door's pid when it answers (names.py ANN_EVAL_ENV). */
export const ANN_EVAL_ENV = 'TWO_TOWER_LAB_ANN_EVAL';

/** What `request-<tag>.json` says of its `.bin`. */
export interface AnnEvalRequest {
  epoch: number;
  /** True for the final evaluation (every test user, or max_users); false for a per-epoch one (the sample when there is one). */
  final: boolean;
  /** The evaluated users' rows, in the order of their vectors in the .bin. */
  users: number[];
  /** Item rows in the .bin (row 0, the OOV row, included). */
  items: number;
  dim: number;
  /** The users of `request-<tag>.top.bin`, in its order, and its top-list length. */
  exactTop: { users: number[]; k: number };
}

export type AnnEvalResponse = { metrics: Record<string, number>; index: AnnIndexInfo } | { error: string };

/** Answers the requests rank 0 leaves in `<runDir>/ann-eval/`; call answerPending() while the workers run. */
export class AnnEvalService {
  private readonly dir: string;

  constructor(
    runDir: string,
    private readonly evaluator: RunEvaluator,
    /** Told when an evaluation could not go through the index (its event then has the exact metrics only). */
    private readonly onError: (message: string) => void = () => {},
  ) {
    this.dir = path.join(runDir, ANN_EVAL_DIR);
    // What is here belongs to a launch that died mid-exchange: its workers are gone.
    rmSync(this.dir, { recursive: true, force: true });
    mkdirSync(this.dir, { recursive: true });
  }

  /** Answers every request without a response yet; returns how many it answered. */
  answerPending(): number {
    let answered = 0;
    for (const name of readdirSync(this.dir)) {
      const m = /^request-(.+)\.json$/.exec(name);
      if (!m || existsSync(this.file(`response-${m[1]}.json`))) continue;
      const response = this.answer(m[1]);
      if ('error' in response) this.onError(response.error);
      writeFileAtomic(this.file(`response-${m[1]}.json`), JSON.stringify(response));
      answered++;
    }
    return answered;
  }

  private answer(tag: string): AnnEvalResponse {
    try {
      const request = JSON.parse(readFileSync(this.file(`request-${tag}.json`), 'utf8')) as AnnEvalRequest;
      const vectors = readFloat32(this.file(`request-${tag}.bin`), (request.users.length + request.items) * request.dim);
      const tops = readInt32(this.file(`request-${tag}.top.bin`), request.exactTop.users.length * request.exactTop.k);
      return annFigures(this.evaluator, request, vectors, tops);
    } catch (error) {
      return { error: `the ANN evaluation of request ${tag} failed: ${error instanceof Error ? error.message : String(error)}` };
    }
  }

  private file(name: string): string {
    return path.join(this.dir, name);
  }
}

/**
 * The index figures of one evaluation: the users' vectors come first in `vectors`, then every item's;
 * `tops` holds rank 0's exact top-k of each user of `request.exactTop.users`.
 */
export function annFigures(evaluator: RunEvaluator, request: AnnEvalRequest, vectors: Float32Array, tops: Int32Array): AnnEvalResponse {
  const { dim } = request;
  const rowOf = new Map<number, number>(request.users.map((u, r) => [u, r]));
  const userBlock = vectors.subarray(0, request.users.length * dim);
  const items = vectors.subarray(request.users.length * dim);
  const { k } = request.exactTop;
  const exactTop = new Map<number, Int32Array>();
  request.exactTop.users.forEach((u, r) => {
    const row = tops.subarray(r * k, (r + 1) * k);
    const found = row.indexOf(-1);
    exactTop.set(u, found < 0 ? row : row.subarray(0, found));
  });
  const model = {
    outputDim: dim,
    itemVectors: () => items,
    userVectors: (users: Int32Array) => {
      const out = new Float32Array(users.length * dim);
      users.forEach((u, r) => {
        const row = rowOf.get(u);
        if (row === undefined) throw new Error(`user row ${u} is evaluated but rank 0 sent no vector for it (the plans of the two engines differ)`);
        out.set(userBlock.subarray(row * dim, (row + 1) * dim), r * dim);
      });
      return out;
    },
  };
  return evaluator.evaluateIndex(model, request.final ? 'final' : 'epoch', exactTop);
}

function readFloat32(file: string, count: number): Float32Array {
  return new Float32Array(readWords(file, count, 'float32'));
}

function readInt32(file: string, count: number): Int32Array {
  return new Int32Array(readWords(file, count, 'int32'));
}

/** The file's bytes when it holds exactly `count` 4-byte values (a copy: a Buffer's offset in its pool need not be 4-byte aligned). */
function readWords(file: string, count: number, kind: string): ArrayBuffer {
  const bytes = readFileSync(file);
  if (bytes.length !== count * 4) throw new Error(`${file} holds ${bytes.length} bytes, the request says ${count} ${kind} values (${count * 4} bytes)`);
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
}
