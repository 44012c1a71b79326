/**
 * What the front door checks before it makes a run folder for `training.engine: torch`: a Python with
 * torch (a missing one is a clear message and exit 2, nothing written), the device, and the launch
 * mode (one node here; several nodes go through `two-tower-lab launch`).
 */
import type { Experiment } from '../../core/config/schema';
import { findTorch, noTorchMessage, resolveDevice, type TorchProbe } from './probe';

export class EngineUnavailable extends Error {}

export interface TorchReady {
  probe: TorchProbe;
  device: 'cpu' | 'cuda';
}

export function checkTorchEngine(config: Experiment): TorchReady {
  const options = config.training.engine_options;
  if (options.nodes > 1) {
    throw new EngineUnavailable(
      `training.engine_options.nodes is ${options.nodes}: \`two-tower-lab train\` starts the workers of one machine. For ${options.nodes} nodes, prepare the run once and start torchrun on every node with a rendezvous endpoint: \`two-tower-lab launch --emit k8s|slurm <file>\` writes the manifest or script (docs/scale-out.md).`,
    );
  }
  const { chosen, probes } = findTorch(options.python);
  if (!chosen) throw new EngineUnavailable(noTorchMessage(probes));
  const device = resolveDevice(options.device, chosen);
  if ('error' in device) throw new EngineUnavailable(device.error);
  return { probe: chosen, device: device.device };
}
