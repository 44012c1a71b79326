/**
 * The engine part of the Run command: what the experiment file says about its engine, the items of the
 * engine quick pick (offered when a Python with torch is found: `tfjs (embedded)`, `torch · 1 process`,
 * `torch · N processes` with N the machine's cores, the file's own first), and the `--engine` /
 * `--processes` / `--python` the chosen item stands for. Pure: no `vscode` import.
 */
import { checkExperimentTextSync } from '../../core/config/check';
import type { EngineName, Experiment } from '../../core/config/schema';
import { resolveDevice } from '../../core/engines/torchProbe';
import type { TorchProbe } from '../../shared/engines';
import type { EngineRequest } from './trainerCommand';

/** The engine settings of a resolved experiment. */
export interface FileEngine {
  engine: EngineName;
  processes: number;
  nodes: number;
  device: 'auto' | 'cpu' | 'cuda';
  /** `engine_options.python`, when the file names an interpreter. */
  python?: string;
}

export function fileEngineOf(config: Experiment): FileEngine {
  const { engine, engine_options: o } = config.training;
  return { engine, processes: o.processes, nodes: o.nodes, device: o.device, ...(o.python !== undefined ? { python: o.python } : {}) };
}

/** The file's engine settings when the text resolves (the quick pick is offered before the full check). */
export function fileEngineOfText(text: string, filePath: string, overrides: readonly string[] = []): FileEngine | undefined {
  const config = checkExperimentTextSync(text, { filePath, overrides }).config;
  return config ? fileEngineOf(config) : undefined;
}

export interface EnginePickItem {
  label: string;
  description?: string;
  engine: EngineName;
  /** torch: processes on this machine. */
  processes?: number;
}

const AS_IN_FILE = 'as in the file';

function torchLabel(processes: number): string {
  return `torch · ${processes} process${processes === 1 ? '' : 'es'}`;
}

/**
 * The engine pick: tfjs, torch with 1 process and with one per core (and the file's own process count),
 * the file's own choice first and marked. `torch` is the Python that has torch.
 */
export function enginePickItems(file: FileEngine | undefined, torch: TorchProbe, cores: number): EnginePickItem[] {
  const device = resolveDevice(file?.device ?? 'auto', torch);
  const where = 'error' in device ? 'no CUDA found' : device.device;
  const torchDetail = `PyTorch ${torch.torch ?? '?'}, ${where}`;
  const counts = [...new Set([...(file?.engine === 'torch' ? [file.processes] : []), 1, Math.max(1, cores)])];
  const items: EnginePickItem[] = [
    { label: 'tfjs (embedded)', description: 'one process, nothing to install', engine: 'tfjs' },
    ...counts.map((processes): EnginePickItem => ({ label: torchLabel(processes), description: torchDetail, engine: 'torch', processes })),
  ];
  const own = file ? items.findIndex((i) => i.engine === file.engine && (file.engine === 'tfjs' || i.processes === file.processes)) : -1;
  if (own < 0) return items;
  const mine = { ...items[own], description: items[own].engine === 'tfjs' ? AS_IN_FILE : `${AS_IN_FILE} · ${torchDetail}` };
  return [mine, ...items.filter((_, i) => i !== own)];
}

/** The flags a picked item stands for: none when it is what the file says. */
export function engineRequestOf(item: Pick<EnginePickItem, 'engine' | 'processes'>, file: FileEngine | undefined): EngineRequest {
  if (file && item.engine === file.engine && (item.engine === 'tfjs' || item.processes === file.processes)) return {};
  return item.engine === 'torch' ? { engine: 'torch', ...(item.processes !== undefined ? { processes: item.processes } : {}) } : { engine: 'tfjs' };
}

/**
 * twoTowerLab.pythonPath reaches the trainer as `--python` only for a torch run whose experiment names no
 * interpreter: `engine_options.python` in the file wins, and a tfjs run gets no engine option (it would
 * be an `engine-options-unused` warning).
 */
export function withPythonPath(request: EngineRequest, resolved: FileEngine, pythonPath: string | undefined): EngineRequest {
  if (resolved.engine !== 'torch' || resolved.python !== undefined || !pythonPath) return request;
  return { ...request, python: pythonPath };
}
