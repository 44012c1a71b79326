/** The command line of `two-tower-lab sweep` as the editor starts it (pure, unit-tested like trainerCommand.ts). */
import { trainerNode, type TrainerCommandLine, type TrainerLaunch } from './trainerCommand';

export type SweepRequest = { kind: 'start'; experiment: string } | { kind: 'resume'; sweepId: string };

export function sweepCommandLine(launch: Pick<TrainerLaunch, 'trainerScript' | 'nodePath' | 'hostExecPath' | 'runsDir'>, request: SweepRequest): TrainerCommandLine {
  const { command, env } = trainerNode(launch);
  const target = request.kind === 'start' ? [request.experiment] : ['--resume', request.sweepId];
  return { command, args: [launch.trainerScript, 'sweep', ...target, '--runs-dir', launch.runsDir], env };
}
