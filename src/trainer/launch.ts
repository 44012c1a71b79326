/**
 * `two-tower-lab launch --emit k8s|slurm <file.tower.yaml>`: a run of several nodes, written as the job that
 * a cluster's scheduler starts. The experiment is validated here like `train` does (an invalid one gives no
 * job: exit 2); the job then (a) prepares the run once on its first node (`two-tower-lab prepare`: run
 * folder, config.yaml, prepared arrays, `started`), (b) starts torchrun on every node with a c10d rendezvous
 * on the first node, and (c) records a failure the workers could not (`two-tower-lab close-run`). The run
 * folder lives on storage every node sees, and the editor follows it there (docs/scale-out.md).
 *
 * Kubernetes: an Indexed Job with a headless Service, not a Kubeflow PyTorchJob. It runs on any cluster
 * (Indexed Jobs are GA since Kubernetes 1.24) without installing the training operator; the pods get stable
 * names (`<job>-<index>.<service>`), so the rendezvous endpoint is pod 0, and `JOB_COMPLETION_INDEX` says
 * which pod prepares. torchrun does what the operator's elastic launcher would do.
 */
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';

import { formatDiagnostic } from '../core/config/diagnostics';
import { ConfigError, loadExperiment } from '../core/config/load';
import type { Experiment } from '../core/config/schema';
import { experimentName, makeRunId } from '../core/train/runFolder';
import { DEFAULT_RUNS_DIR, UsageError } from './args';
import { oneOfFlag, parseFlags, positiveIntFlag, runIdArg, stringFlag } from './cliFlags';
import type { ProgressSink } from './progress';
import { prepareOverrides } from './prepareRun';
import { checkEpochsLeft, ResumeRefusal, resumableTorchRun } from './resumableRun';
import { findPackageDir } from './torch/runner';
import { EXIT_INVALID, EXIT_OK } from './train';

export const LAUNCH_USAGE = `usage: two-tower-lab launch --emit k8s|slurm <file.tower.yaml> [options]
       two-tower-lab launch --emit k8s|slurm --resume RUN_ID [options]

Writes the job that trains the experiment on several nodes with torchrun (printed, or --out FILE):
prepare the run once, start torchrun on every node (c10d rendezvous on the first), record how it ended.
The experiment, its data and the runs folder must be on storage every node sees (docs/scale-out.md).
With --resume: a job that continues a stopped or failed torch run from its checkpoint (its config.yaml with
the options and --set applied; the shape may change, e.g. more nodes).

options:
  --nodes N            nodes (default: training.engine_options.nodes)
  --processes P        worker processes per node (default: --gpus, else training.engine_options.processes)
  --gpus G             GPUs per node: device auto then means cuda, one process per GPU
  --cpus C             CPUs per node (Slurm --cpus-per-task, Kubernetes cpu request; threads = C / P)
  --runs-dir DIR       the runs folder as the nodes see it (default ${DEFAULT_RUNS_DIR})
  --run-id ID          the run's id (default <name>-<yyyymmdd-hhmmss>-<hex>)
  --resume RUN_ID      continue that run (in --runs-dir, as this machine sees it) instead of a new one
  --port N             rendezvous port on the first node (default 29500)
  --python PY          the nodes' Python with torch (default: training.engine_options.python, else python3)
  --set path=value     override any field of the file; repeatable
  --out FILE           write the job to FILE instead of stdout
  k8s:   --image IMG (required: Node 20 + two-tower-lab + Python with torch and numpy), --pvc NAME
         (a ReadWriteMany claim holding this folder; default two-tower-lab), --mount DIR (default /workspace),
         --namespace NS, --python-package DIR (the image's python/ folder; default /opt/two-tower-lab/python)
  slurm: --time HH:MM:SS, --partition NAME
`;

export const DEFAULT_RDZV_PORT = 29500;
/** How long the other pods wait for pod 0 to prepare the run before they give up. */
export const PREPARE_WAIT_SEC = 3600;
/** What the workers get before torchrun's agent kills them after a stop: a checkpoint of rank 0. */
export const GRACE_SEC = 120;
/** Where the pods find their script (a ConfigMap volume). */
const SCRIPT_DIR = '/etc/two-tower-lab';
const POD_SCRIPT = 'launch.sh';

export interface LaunchArgs {
  emit: 'k8s' | 'slurm';
  /** The experiment of a new run; absent with `resume`. */
  file?: string;
  /** The run to continue from its checkpoint. */
  resume?: string;
  nodes?: number;
  processes?: number;
  gpus?: number;
  cpus?: number;
  runsDir: string;
  runId?: string;
  port: number;
  python?: string;
  set: string[];
  out?: string;
  image?: string;
  pvc: string;
  mount: string;
  namespace?: string;
  pythonPackage?: string;
  time?: string;
  partition?: string;
}

export function parseLaunchArgs(argv: string[]): LaunchArgs {
  const { values: v, positionals } = parseFlags(argv, {
    emit: { type: 'string' },
    nodes: { type: 'string' },
    processes: { type: 'string' },
    gpus: { type: 'string' },
    cpus: { type: 'string' },
    'runs-dir': { type: 'string' },
    'run-id': { type: 'string' },
    resume: { type: 'string' },
    port: { type: 'string' },
    python: { type: 'string' },
    set: { type: 'string', multiple: true },
    out: { type: 'string' },
    image: { type: 'string' },
    pvc: { type: 'string' },
    mount: { type: 'string' },
    namespace: { type: 'string' },
    'python-package': { type: 'string' },
    time: { type: 'string' },
    partition: { type: 'string' },
  });
  const emit = oneOfFlag(v, 'emit', ['k8s', 'slurm'] as const);
  if (emit === undefined) throw new UsageError('launch needs --emit k8s (a Kubernetes Indexed Job + headless Service) or --emit slurm (an sbatch script).');
  const resume = stringFlag(v, 'resume');
  const runId = stringFlag(v, 'run-id');
  if (resume !== undefined) {
    if (positionals.length > 0 || runId !== undefined) throw new UsageError(`launch --resume ${resume} continues that run from its own config.yaml: give no experiment file and no --run-id.`);
  } else if (positionals.length !== 1) {
    throw new UsageError(`launch takes one experiment file (two-tower-lab launch --emit ${emit} <file.tower.yaml>), or --resume RUN_ID; got ${positionals.length} files.`);
  }
  const mount = stringFlag(v, 'mount') ?? '/workspace';
  if (!mount.startsWith('/')) throw new UsageError(`--mount is the folder where the pods see the volume, an absolute path; got '${mount}'.`);
  const time = stringFlag(v, 'time');
  if (time !== undefined && !/^(\d+-)?\d+(:\d{2}){0,2}$/.test(time)) throw new UsageError(`--time takes a Slurm time limit such as 12:00:00 or 2-00:00:00, got '${time}'.`);
  const args: LaunchArgs = {
    emit,
    ...(resume === undefined ? { file: positionals[0] } : { resume: runIdArg('--resume', resume) }),
    nodes: positiveIntFlag(v, 'nodes'),
    processes: positiveIntFlag(v, 'processes'),
    gpus: positiveIntFlag(v, 'gpus'),
    cpus: positiveIntFlag(v, 'cpus'),
    runsDir: stringFlag(v, 'runs-dir') ?? DEFAULT_RUNS_DIR,
    runId: runId === undefined ? undefined : runIdArg('--run-id', runId),
    port: positiveIntFlag(v, 'port') ?? DEFAULT_RDZV_PORT,
    python: stringFlag(v, 'python'),
    set: (v.set as string[] | undefined) ?? [],
    out: stringFlag(v, 'out'),
    image: stringFlag(v, 'image'),
    pvc: stringFlag(v, 'pvc') ?? 'two-tower-lab',
    mount,
    namespace: stringFlag(v, 'namespace'),
    pythonPackage: stringFlag(v, 'python-package'),
    time,
    partition: stringFlag(v, 'partition'),
  };
  if (emit === 'k8s' && args.image === undefined) throw new UsageError('--emit k8s needs --image IMG: an image with Node 20, the two-tower-lab CLI on the PATH, and a Python with torch and numpy (docs/scale-out.md).');
  return args;
}

/** Everything the job needs, resolved: the shape of the run and the paths as the nodes see them. */
export interface LaunchPlan {
  runId: string;
  nodes: number;
  processes: number;
  device: 'cpu' | 'cuda';
  gpusPerNode?: number;
  cpusPerNode?: number;
  /** Threads per process when known now (engine_options.threads, or --cpus / processes); else the job computes it. */
  threads?: number;
  python: string;
  port: number;
  /** Paths as the nodes see them. */
  experiment: string;
  runsDir: string;
  runDir: string;
  /** The folder holding the two_tower_lab Python package (PYTHONPATH). */
  packageDir: string;
  /** How the nodes start the CLI. */
  cli: string;
  /** launch's `--set` overrides, which prepare applies again (what was validated is what runs). */
  set: string[];
  /** A job that continues the run: the `started` and `ended` events its folder held when the job was written. */
  resume?: { startedBefore: number; endedBefore: number };
}

/** Where the job's paths come from: the folder launch runs in, and (Slurm) this installation on shared storage. */
export interface LaunchSite {
  cwd: string;
  /** The command that starts this CLI (Slurm: the same installation, seen by every node). */
  cli: string;
  packageDir: string;
}

export function planLaunch(config: Experiment, args: LaunchArgs, filePath: string, site: LaunchSite, resume?: LaunchPlan['resume']): LaunchPlan {
  const options = config.training.engine_options;
  const requested = options.device;
  if (requested === 'cpu' && args.gpus !== undefined) throw new UsageError(`--gpus ${args.gpus} with training.engine_options.device: cpu: the workers would not use them. Drop --gpus, or set device: auto or cuda.`);
  const device = requested === 'cuda' || (requested === 'auto' && args.gpus !== undefined) ? 'cuda' : 'cpu';
  const processes = args.processes ?? (device === 'cuda' && args.gpus !== undefined ? args.gpus : options.processes);
  const gpusPerNode = device === 'cuda' ? (args.gpus ?? processes) : undefined;
  if (gpusPerNode !== undefined && processes > gpusPerNode) throw new UsageError(`${processes} processes per node need ${processes} GPUs per node (one each, NCCL), and --gpus is ${gpusPerNode}.`);
  const threads = options.threads ?? (args.cpus !== undefined ? Math.max(1, Math.floor(args.cpus / processes)) : undefined);
  const runId = args.resume ?? args.runId ?? makeRunId(experimentName(filePath, config.name));
  const paths = args.emit === 'k8s' ? podPaths(args, filePath, site.cwd) : { experiment: path.resolve(site.cwd, filePath), runsDir: path.resolve(site.cwd, args.runsDir) };
  return {
    runId,
    nodes: args.nodes ?? options.nodes,
    processes,
    device,
    ...(gpusPerNode !== undefined ? { gpusPerNode } : {}),
    ...(args.cpus !== undefined ? { cpusPerNode: args.cpus } : {}),
    ...(threads !== undefined ? { threads } : {}),
    python: args.python ?? options.python ?? 'python3',
    port: args.port,
    experiment: paths.experiment,
    runsDir: paths.runsDir,
    runDir: path.posix.join(paths.runsDir, runId),
    packageDir: args.emit === 'k8s' ? (args.pythonPackage ?? '/opt/two-tower-lab/python') : (args.pythonPackage ?? site.packageDir),
    cli: args.emit === 'k8s' ? 'two-tower-lab' : site.cli,
    set: args.set,
    ...(resume !== undefined ? { resume } : {}),
  };
}

/** The pods see the current folder on the volume at --mount: the experiment and a relative runs folder must lie inside it. */
function podPaths(args: LaunchArgs, filePath: string, cwd: string): { experiment: string; runsDir: string } {
  const inside = (p: string, what: string): string => {
    const rel = path.relative(cwd, path.resolve(cwd, p));
    if (rel.startsWith('..') || path.isAbsolute(rel)) throw new UsageError(`${what} ${p} is outside this folder (${cwd}), which the volume ${args.pvc} holds for the pods at ${args.mount}. Run launch from a folder that holds it, or give --runs-dir as the pods' absolute path.`);
    return path.posix.join(args.mount, ...rel.split(path.sep));
  };
  return { experiment: inside(filePath, 'The experiment'), runsDir: path.posix.isAbsolute(args.runsDir) ? args.runsDir : inside(args.runsDir, 'The runs folder') };
}

/** A word for a POSIX shell: as is when it is safe, else in single quotes. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

const words = (argv: readonly string[]): string => argv.map(shellWord).join(' ');

/** `python -m torch.distributed.run …` on one node; `endpoint` is the first node's host (a shell word such as $HEAD). */
export function torchrunArgv(plan: LaunchPlan): string[] {
  return [
    plan.python,
    '-m',
    'torch.distributed.run',
    `--nnodes=${plan.nodes}`,
    `--nproc_per_node=${plan.processes}`,
    '--rdzv_backend=c10d',
    `--rdzv_id=${plan.runId}`,
    // As the one-node runner: torch 1.13 on Python 3.11 crashes with --redirects 0 and with 3 (an IntFlag of two
    // members, TESTING.md); 2 logs each rank's stderr under --log_dir (the workers print nothing on stdout).
    '--redirects',
    '2',
    '--tee',
    '2',
    '--log_dir',
    path.posix.join(plan.runDir, 'torchrun'),
    '-m',
    'two_tower_lab.worker',
    '--run-dir',
    plan.runDir,
    ...(plan.resume ? ['--resume'] : []),
  ];
}

/** The torchrun command line as the job writes it, the endpoint left as a shell expression (`$HEAD`, a pod name). */
export function torchrunLine(plan: LaunchPlan, endpointHost: string): string {
  const argv = torchrunArgv(plan);
  const at = argv.indexOf('--rdzv_backend=c10d') + 1;
  return `${words(argv.slice(0, at))} --rdzv_endpoint=${endpointHost}:${plan.port} ${words(argv.slice(at))}`;
}

export function prepareLine(plan: LaunchPlan, threadsWord: string): string {
  const argv = [
    'prepare',
    ...(plan.resume ? ['--resume', plan.runId] : [plan.experiment, '--run-id', plan.runId]),
    '--runs-dir',
    plan.runsDir,
    '--nodes',
    String(plan.nodes),
    '--processes',
    String(plan.processes),
    '--device',
    plan.device,
    ...plan.set.flatMap((o) => ['--set', o]),
  ];
  return `${plan.cli} ${words(argv)} --threads ${threadsWord} --pid $$`;
}

function closeRunLine(plan: LaunchPlan): string {
  return `${plan.cli} ${words(['close-run', plan.runId, '--runs-dir', plan.runsDir])} --exit-code "$code"`;
}

/** Threads per process: known now, or the node's CPUs (what the scheduler gave this task) over the processes. */
function threadsLines(plan: LaunchPlan, cpusExpression: string): string[] {
  if (plan.threads !== undefined) return [`THREADS=${plan.threads}`];
  return [`THREADS=$(( ${cpusExpression} / ${plan.processes} ))`, '[ "$THREADS" -ge 1 ] || THREADS=1'];
}

/**
 * Starts the workers in the background so that this shell, which stands for the run (`--pid $$`), passes a
 * stop on to them and still records how they ended: a trapped signal ends the first `wait` early, the
 * second gets torchrun's own exit code. A failure that rank 0 could not record is recorded by close-run.
 */
function superviseLines(start: string, closeIf: string | undefined, plan: LaunchPlan): string[] {
  // close-run's exit code is the run's: 0 when it completed or stopped (a stop makes torchrun's agent exit 1).
  const close = closeIf === undefined ? [`  ${closeRunLine(plan)}; code=$?`] : [`  if ${closeIf}; then ${closeRunLine(plan)}; code=$?; fi`];
  return [
    `${start} &`,
    'workers=$!',
    'trap \'kill -TERM "$workers" 2>/dev/null\' TERM INT',
    'wait "$workers"; code=$?',
    'if kill -0 "$workers" 2>/dev/null; then wait "$workers"; code=$?; fi',
    'if [ "$code" -ne 0 ]; then',
    ...close,
    'fi',
    'exit "$code"',
  ];
}

export function slurmScript(plan: LaunchPlan, args: Pick<LaunchArgs, 'time' | 'partition'>): string {
  const sbatch = [
    `--job-name=${plan.runId}`,
    `--nodes=${plan.nodes}`,
    '--ntasks-per-node=1',
    ...(plan.cpusPerNode !== undefined ? [`--cpus-per-task=${plan.cpusPerNode}`] : []),
    ...(plan.gpusPerNode !== undefined ? [`--gpus-per-node=${plan.gpusPerNode}`] : []),
    ...(args.time !== undefined ? [`--time=${args.time}`] : []),
    ...(args.partition !== undefined ? [`--partition=${args.partition}`] : []),
    // Beside the script in the submit folder: the runs folder may not exist before the job makes it.
    `--output=two-tower-lab-${plan.runId}-%j.out`,
    // A stop before the time limit: every rank's SIGTERM → rank 0 checkpoints and writes `ended` stopped.
    `--signal=TERM@${GRACE_SEC}`,
  ];
  const lines = [
    '#!/bin/bash',
    `# Two-Tower Lab run ${plan.runId}: ${plan.experiment}`,
    `# ${plan.nodes} nodes × ${plan.processes} processes (${plan.device}), written by \`two-tower-lab launch --emit slurm\`. Submit: sbatch <this file>.`,
    `# The run folder ${plan.runDir} must be on storage every node sees; the editor follows it there (twoTowerLab.runsDirectory).`,
    ...sbatch.map((o) => `#SBATCH ${o}`),
    'set -u',
    `export PYTHONPATH="\${TWO_TOWER_LAB_PYTHON_PACKAGE:-${plan.packageDir}}\${PYTHONPATH:+:$PYTHONPATH}"`,
    `export TWO_TOWER_LAB_DEVICE=${plan.device} PYTHONUNBUFFERED=1`,
    ...threadsLines(plan, '${SLURM_CPUS_PER_TASK:-$(nproc)}'),
    'export OMP_NUM_THREADS="$THREADS" TWO_TOWER_LAB_THREADS="$THREADS"',
    '# The first node of the allocation (where this script runs) hosts the c10d rendezvous.',
    'HEAD=$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)',
    '',
    plan.resume
      ? `# (a) Once: check run ${plan.runId} can continue (not running, a torch checkpoint, epochs left), apply the options to its config.yaml, write the prepared arrays and \`started\`.`
      : '# (a) Once: validate, make the run folder, write config.yaml, the prepared arrays and `started`.',
    '#     --pid $$: this shell lives as long as the run, so a reader on this host sees it alive.',
    `${prepareLine(plan, '"$THREADS"')} || exit $?`,
    '',
    '# (b) torchrun on every node, one task each; (c) a failure the workers did not record is recorded.',
    ...superviseLines(`srun --nodes=${plan.nodes} --ntasks-per-node=1 --kill-on-bad-exit=1 ${torchrunLine(plan, '$HEAD')}`, undefined, plan),
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * DNS-1123 label for the Job and Service: `ttl-<run id>`, short enough for `<job>-<index>` hostnames. A job that
 * resumes the run gets `-r<N>` (its N-th start): a Job's pod template cannot be changed, so the earlier Job may
 * still exist under the plain name.
 */
export function k8sName(runId: string, resume?: LaunchPlan['resume']): string {
  const suffix = resume ? `-r${resume.startedBefore + 1}` : '';
  const slug = `ttl-${runId.toLowerCase().replace(/[^a-z0-9-]+/g, '-')}`.slice(0, 52 - suffix.length);
  return `${slug.replace(/-+$/, '')}${suffix}`;
}

/** The pods' script (in a ConfigMap: Kubernetes would expand `$(…)` and `$$` in a container's args). */
export function podScript(plan: LaunchPlan, endpoint: string): string {
  const { startedBefore, endedBefore } = plan.resume ?? { startedBefore: 0, endedBefore: 0 };
  return [
    '#!/bin/sh',
    `# Two-Tower Lab run ${plan.runId}: pod $JOB_COMPLETION_INDEX of ${plan.nodes}.`,
    'set -u',
    `RUN=${shellWord(plan.runDir)}`,
    ...threadsLines(plan, '$(nproc)'),
    'export OMP_NUM_THREADS="$THREADS" TWO_TOWER_LAB_THREADS="$THREADS"',
    'if [ "$JOB_COMPLETION_INDEX" = 0 ]; then',
    plan.resume
      ? '  # (a) Once, on pod 0: check the run can continue, apply the options to its config.yaml, write the prepared arrays and `started`.'
      : '  # (a) Once, on pod 0: validate, make the run folder, write config.yaml, the prepared arrays and `started`.',
    `  ${prepareLine(plan, '"$THREADS"')} || exit $?`,
    'else',
    `  # The other pods wait for pod 0 to prepare the run (a \`started\` more than the ${startedBefore} the folder held when`,
    '  # the job was written), or to record that preparing failed (an `ended` more).',
    `  count() { n=$(grep -c "\\"type\\":\\"$1\\"" "$RUN/events.jsonl" 2>/dev/null); echo "\${n:-0}"; }`,
    '  waited=0',
    `  until [ "$(count started)" -gt ${startedBefore} ]; do`,
    `    if [ "$(count ended)" -gt ${endedBefore} ]; then echo "run ${plan.runId}: preparing failed, see $RUN/events.jsonl" >&2; exit 1; fi`,
    `    [ "$waited" -lt ${PREPARE_WAIT_SEC} ] || { echo "run ${plan.runId}: not prepared after ${PREPARE_WAIT_SEC} s" >&2; exit 1; }`,
    '    sleep 5; waited=$((waited + 5))',
    '  done',
    'fi',
    '# (b) torchrun on every pod, rendezvous on pod 0; (c) pod 0 records a failure the workers did not.',
    ...superviseLines(torchrunLine(plan, endpoint), '[ "$JOB_COMPLETION_INDEX" = 0 ]', plan),
    '',
  ].join('\n');
}

export function k8sManifest(plan: LaunchPlan, args: Pick<LaunchArgs, 'image' | 'pvc' | 'mount' | 'namespace'>): string {
  const name = k8sName(plan.runId, plan.resume);
  const labels = { 'app.kubernetes.io/name': 'two-tower-lab', 'two-tower-lab/run': name };
  const metadata = { name, ...(args.namespace !== undefined ? { namespace: args.namespace } : {}), labels };
  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata,
    spec: { clusterIP: 'None', publishNotReadyAddresses: true, selector: { 'two-tower-lab/run': name }, ports: [{ name: 'rendezvous', port: plan.port, targetPort: plan.port }] },
  };
  const resources: Record<string, Record<string, string | number>> = {};
  if (plan.cpusPerNode !== undefined) resources.requests = { cpu: String(plan.cpusPerNode) };
  if (plan.gpusPerNode !== undefined) resources.limits = { 'nvidia.com/gpu': plan.gpusPerNode };
  const job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata,
    spec: {
      completionMode: 'Indexed',
      completions: plan.nodes,
      parallelism: plan.nodes,
      // torchrun needs every node: one failed pod fails the run (close-run records it), no retries.
      backoffLimit: 0,
      template: {
        metadata: { labels },
        spec: {
          subdomain: name,
          restartPolicy: 'Never',
          terminationGracePeriodSeconds: GRACE_SEC,
          containers: [
            {
              name: 'workers',
              image: args.image,
              workingDir: args.mount,
              command: ['/bin/sh', `${SCRIPT_DIR}/${POD_SCRIPT}`],
              env: [
                { name: 'PYTHONPATH', value: plan.packageDir },
                { name: 'TWO_TOWER_LAB_DEVICE', value: plan.device },
                { name: 'PYTHONUNBUFFERED', value: '1' },
              ],
              ports: [{ name: 'rendezvous', containerPort: plan.port }],
              ...(Object.keys(resources).length > 0 ? { resources } : {}),
              volumeMounts: [
                { name: 'workspace', mountPath: args.mount },
                { name: 'dshm', mountPath: '/dev/shm' },
                { name: 'script', mountPath: SCRIPT_DIR, readOnly: true },
              ],
            },
          ],
          volumes: [
            { name: 'workspace', persistentVolumeClaim: { claimName: args.pvc } },
            { name: 'dshm', emptyDir: { medium: 'Memory' } },
            { name: 'script', configMap: { name, defaultMode: 0o755 } },
          ],
        },
      },
    },
  };
  const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata, data: { [POD_SCRIPT]: podScript(plan, `${name}-0.${name}`) } };
  const header = [
    `# Two-Tower Lab run ${plan.runId}: ${plan.experiment}`,
    `# ${plan.nodes} nodes × ${plan.processes} processes (${plan.device}), written by \`two-tower-lab launch --emit k8s\`. Apply: kubectl apply -f <this file>.`,
    `# An Indexed Job (pod i = node i), a headless Service that names the pods for the rendezvous on pod 0 (${name}-0.${name}:${plan.port}), and the pods' script.`,
    `# The volume ${args.pvc} (ReadWriteMany) holds the experiment, its data and the runs folder, at ${args.mount} in every pod.`,
  ];
  const yaml = (doc: unknown): string => stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false });
  return `${header.join('\n')}\n${yaml(configMap)}---\n${yaml(service)}---\n${yaml(job)}`;
}

/** How the nodes start this CLI: the running installation (`node <dist/trainer.js>`), or `two-tower-lab`. */
export function thisCli(argv1: string | undefined): string {
  if (argv1 !== undefined && /trainer\.js$/.test(argv1)) return `node ${shellWord(path.resolve(argv1))}`;
  return 'two-tower-lab';
}

export async function launchCommand(args: LaunchArgs, stdout: ProgressSink, stderr: ProgressSink, site: Omit<LaunchSite, 'packageDir'> & { packageDir?: string } = { cwd: process.cwd(), cli: thisCli(process.argv[1]) }): Promise<number> {
  let loaded: Awaited<ReturnType<typeof loadExperiment>>;
  let resume: LaunchPlan['resume'];
  try {
    const overrides = prepareOverrides({ nodes: args.nodes, processes: args.processes, set: args.set });
    if (args.resume !== undefined) {
      // Checked now (a job for a run that cannot continue is refused here) and again by the job's `prepare --resume`.
      const run = await resumableTorchRun(path.resolve(site.cwd, args.runsDir), args.resume);
      loaded = await loadExperiment(run.paths.config, overrides);
      checkEpochsLeft(run, loaded.config.training.epochs);
      resume = { startedBefore: run.startedCount, endedBefore: run.endedCount };
    } else {
      loaded = await loadExperiment(args.file ?? '', overrides);
    }
  } catch (e) {
    if (e instanceof ConfigError || e instanceof ResumeRefusal) {
      stderr.write(`${e instanceof ResumeRefusal ? 'two-tower-lab: ' : ''}${e.message}\n`);
      return EXIT_INVALID;
    }
    throw e;
  }
  for (const w of loaded.warnings) if (w.severity === 'warning') stderr.write(`${formatDiagnostic(loaded.filePath, w)}\n`);
  const plan = planLaunch(loaded.config, args, loaded.filePath, { ...site, packageDir: site.packageDir ?? findPackageDir() }, resume);
  const text = args.emit === 'k8s' ? k8sManifest(plan, args) : slurmScript(plan, args);
  const what = `${resume ? `resumes run ${plan.runId} after its checkpoint` : `run ${plan.runId}`} on ${plan.nodes} nodes × ${plan.processes} processes (${plan.device})`;
  if (args.out !== undefined) {
    writeFileSync(args.out, text, { mode: args.emit === 'slurm' ? 0o755 : 0o644 });
    stderr.write(`wrote ${args.out}: ${what}. ${args.emit === 'k8s' ? `kubectl apply -f ${args.out}` : `sbatch ${args.out}`}; the run folder ${resume ? 'is' : 'will be'} ${plan.runDir}.\n`);
  } else {
    stdout.write(text);
  }
  return EXIT_OK;
}
