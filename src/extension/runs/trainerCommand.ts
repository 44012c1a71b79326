/**
 * How the extension starts the trainer: which executable, which arguments, which environment. Pure,
 * so the exact command line is unit-tested. The trainer always runs in its own process (DESIGN.md).
 */
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

export type TrainerRequest =
  | { kind: 'train'; experiment: string; mode?: TrainingMode; loss?: LossName; set?: readonly string[] }
  | { kind: 'resume' };

export interface TrainerCommandLine {
  command: string;
  args: string[];
  env: Record<string, string>;
}

export function trainerCommandLine(launch: TrainerLaunch, request: TrainerRequest): TrainerCommandLine {
  const nodePath = launch.nodePath?.trim();
  const command = nodePath ? nodePath : launch.hostExecPath;
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
          ...(request.set ?? []).flatMap((s) => ['--set', s]),
        ];
  // Inside VS Code's Electron, the executable is Electron: ELECTRON_RUN_AS_NODE makes it plain Node.
  const env: Record<string, string> = nodePath ? {} : { ELECTRON_RUN_AS_NODE: '1' };
  return { command, args, env };
}

/** The `--set` overrides a run request stands for, to validate exactly what the trainer will run. */
export function requestOverrides(request: TrainerRequest): string[] {
  if (request.kind === 'resume') return [];
  return [
    ...(request.mode ? [`training.mode=${request.mode}`] : []),
    ...(request.loss ? [`training.loss=${request.loss}`] : []),
    ...(request.set ?? []),
  ];
}
