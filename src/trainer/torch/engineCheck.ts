/**
 * What the front door checks before it makes a run folder for `training.engine: torch`: a Python with
 * torch (a missing one is a clear message and exit 2, nothing written), the device, and the launch
 * mode (one node here; several nodes go through `two-tower-lab launch`).
 */
import type { Experiment } from '../../core/config/schema';
import { findTorchAsync, multiNodeMessage, noTorchMessage, resolveDevice, type TorchProbe } from '../../core/engines/torchProbe';

export class EngineUnavailable extends Error {}

export interface TorchReady {
  probe: TorchProbe;
  device: 'cpu' | 'cuda';
}

/** `resumeRunId`: the run `--resume` continues, which a refusal of several nodes names in its way out. */
export async function checkTorchEngine(config: Experiment, resumeRunId?: string): Promise<TorchReady> {
  const options = config.training.engine_options;
  if (options.nodes > 1) {
    throw new EngineUnavailable(multiNodeMessage(options.nodes, resumeRunId));
  }
  const { chosen, probes } = await findTorchAsync(options.python);
  if (!chosen) throw new EngineUnavailable(noTorchMessage(probes));
  const device = resolveDevice(options.device, chosen);
  if ('error' in device) throw new EngineUnavailable(device.error);
  return { probe: chosen, device: device.device };
}
