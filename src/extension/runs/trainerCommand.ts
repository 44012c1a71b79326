/**
 * How the extension starts the trainer: which executable, which arguments, which environment. Pure,
 * so the exact command line is unit-tested. The trainer always runs in its own process (DESIGN.md).
 */
import { choiceOverrides } from '../../core/config/choiceOverrides';
import type { EngineName } from '../../core/config/schema';
import type { LossName, TrainingMode } from '../../shared/events';

export interface TrainerLaunch {
  /** The trainer bundle, `<extension>/dist/trainer.js`. */
  trainerScript: string;
  /** `twoTowerLab.nodePath` when set, else the host's own executable run as Node. */
  nodePath?: string;
  hostExecPath: string;
  runsDir: string;
  runId: string;
}

/** What the Run command chose about the engine, beyond the file: `--engine`, `--processes`, `--python`. */
export interface EngineRequest {
  engine?: EngineName;
  processes?: number;
  /** twoTowerLab.pythonPath, for a torch run whose experiment names no interpreter. */
  python?: string;
}

export type TrainerRequest =
  | { kind: 'train'; experiment: string; mode?: TrainingMode; loss?: LossName; set?: readonly string[]; engine?: EngineRequest }
  | { kind: 'resume' };

export interface TrainerCommandLine {
  command: string;
  args: string[];
  env: Record<string, string>;
}

/**
 * The executable that runs dist/trainer.js: twoTowerLab.nodePath, else the host's own executable with
 * ELECTRON_RUN_AS_NODE (inside VS Code's Electron, the executable is Electron: the variable makes it plain Node).
 */
export function trainerNode(launch: Pick<TrainerLaunch, 'nodePath' | 'hostExecPath'>): { command: string; env: Record<string, string> } {
  const nodePath = launch.nodePath?.trim();
  return nodePath ? { command: nodePath, env: {} } : { command: launch.hostExecPath, env: { ELECTRON_RUN_AS_NODE: '1' } };
}

export function trainerCommandLine(launch: TrainerLaunch, request: TrainerRequest): TrainerCommandLine {
  const { command, env } = trainerNode(launch);
  // Events are read from events.jsonl (the run folder is the truth), so the stdout mirror is off.
  const common = ['--runs-dir', launch.runsDir, '--events-stdout', 'off'];
  const args =
    request.kind === 'resume'
      ? [launch.trainerScript, 'train', '--resume', launch.runId, ...common]
      : [
          launch.trainerScript,
          'train',
          request.experiment,
          '--run-id',
          launch.runId,
          ...common,
          ...(request.mode ? ['--mode', request.mode] : []),
          ...(request.loss ? ['--loss', request.loss] : []),
          ...engineFlags(request.engine),
          ...(request.set ?? []).flatMap((s) => ['--set', s]),
        ];
  return { command, args, env };
}

function engineFlags(e: EngineRequest | undefined): string[] {
  if (!e) return [];
  return [
    ...(e.engine ? ['--engine', e.engine] : []),
    ...(e.processes !== undefined ? ['--processes', String(e.processes)] : []),
    ...(e.python ? ['--python', e.python] : []),
  ];
}

/**
 * The `--set` overrides a run request stands for, to validate exactly what the trainer will run: the
 * same translation as the trainer's flags (core/config/choiceOverrides), given the loss the file writes.
 */
export function requestOverrides(request: TrainerRequest, fileLoss: unknown): string[] {
  if (request.kind === 'resume') return [];
  return [...choiceOverrides({ mode: request.mode, loss: request.loss, ...request.engine }, fileLoss), ...(request.set ?? [])];
}
