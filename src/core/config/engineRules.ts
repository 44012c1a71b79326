/**
 * Rules that ask the machine, not the file: `engine: torch` with no Python that has torch
 * (`torch-not-found`), and `device: cuda` where torch finds no CUDA (`cuda-not-found`). They read an
 * EngineProbe, so the language server can probe each interpreter once, in the background and only in a
 * trusted workspace, and the tests can fake it. The front door makes the same checks before a run
 * (src/trainer/torch/engineCheck.ts) with the same messages, as errors.
 */
import { noTorchMessage, resolveDevice, type TorchFinding } from '../engines/torchProbe';
import type { ConfigDiagnostic } from './diagnostics';
import type { ConfigPath } from './document';
import { ruleDiagnostic, type RuleContext } from './rules';

export interface EngineProbe {
  /**
   * What the interpreter `python` offers (undefined: the configured default, else python3 then
   * /usr/bin/python3), or undefined when that is not known: not probed (an untrusted workspace), or the
   * probe still running (the caller checks again when it answers).
   */
  torch(python: string | undefined): Promise<TorchFinding | undefined>;
}

const ENGINE: ConfigPath = ['training', 'engine'];
const OPTIONS: ConfigPath = ['training', 'engine_options'];

export async function runEngineRules(ctx: RuleContext, probe: EngineProbe): Promise<ConfigDiagnostic[]> {
  const { engine, engine_options: options } = ctx.config.training;
  // Several nodes train on other machines (two-tower-lab launch): what this one has does not matter.
  if (engine !== 'torch' || options.nodes > 1) return [];
  const finding = await probe.torch(options.python);
  if (finding === undefined) return [];
  if (!finding.chosen) {
    const at: ConfigPath = ctx.written([...OPTIONS, 'python']) ? [...OPTIONS, 'python'] : ENGINE;
    return [ruleDiagnostic(ctx, 'torch-not-found', at, noTorchMessage(finding.probes), { replacement: 'tfjs', replacementPath: ENGINE })];
  }
  if (options.device !== 'cuda') return [];
  const device = resolveDevice('cuda', finding.chosen);
  if (!('error' in device)) return [];
  return [ruleDiagnostic(ctx, 'cuda-not-found', [...OPTIONS, 'device'], device.error, { replacement: 'auto' })];
}
