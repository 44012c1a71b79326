/**
 * `two-tower-lab launch --emit slurm|k8s`: the emitted text. The exact torchrun, prepare and close-run
 * command lines, the #SBATCH lines, the Kubernetes documents as the `yaml` package parses them, both
 * scripts accepted by `sh -n`; how the plan resolves device, processes and GPUs; an invalid experiment
 * gives no job (exit 2).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

import { loadExperiment } from '../../../src/core/config/load';
import type { Experiment } from '../../../src/core/config/schema';
import { UsageError } from '../../../src/trainer/args';
import { k8sManifest, k8sName, launchCommand, parseLaunchArgs, planLaunch, podScript, shellWord, slurmScript, type LaunchArgs } from '../../../src/trainer/launch';
import { prepareOverrides } from '../../../src/trainer/prepareRun';
import { SYNTHETIC } from '../config/helpers';

let dir: string;
let file: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ttl-launch-'));
  file = path.join(dir, 'exp.tower.yaml');
  writeFileSync(file, SYNTHETIC);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SITE = () => ({ cwd: dir, cli: 'node /opt/ttl/dist/trainer.js', packageDir: '/opt/ttl/python' });

async function plan(argv: string[]) {
  const args: LaunchArgs = parseLaunchArgs([...argv, file]);
  const loaded = await loadExperiment(file, prepareOverrides(args));
  return { args, config: loaded.config as Experiment, plan: planLaunch(loaded.config, args, file, SITE()) };
}

function sbatchLines(script: string): string[] {
  return script.split('\n').filter((l) => l.startsWith('#SBATCH '));
}

const shellOk = (script: string): void => {
  const r = spawnSync('sh', ['-n'], { input: script, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
};

describe('launch --emit slurm', () => {
  it('writes the #SBATCH lines of a CPU job: one task per node, the CPUs, the time, a stop 120 s before the limit', async () => {
    const { args, plan: p } = await plan(['--emit', 'slurm', '--nodes', '4', '--processes', '2', '--cpus', '16', '--run-id', 'exp-4x2', '--time', '12:00:00', '--partition', 'cpu']);
    const script = slurmScript(p, args);
    expect(script.startsWith('#!/bin/bash\n')).toBe(true);
    expect(sbatchLines(script)).toEqual([
      '#SBATCH --job-name=exp-4x2',
      '#SBATCH --nodes=4',
      '#SBATCH --ntasks-per-node=1',
      '#SBATCH --cpus-per-task=16',
      '#SBATCH --time=12:00:00',
      '#SBATCH --partition=cpu',
      '#SBATCH --output=two-tower-lab-exp-4x2-%j.out',
      '#SBATCH --signal=TERM@120',
    ]);
    const run = path.join(dir, '.two-tower-lab', 'runs', 'exp-4x2');
    const lines = script.split('\n');
    // (a) once: prepare with the job's shape, the threads per process (16 CPUs / 2) and this shell's pid.
    expect(lines).toContain('THREADS=8');
    expect(lines).toContain(`node /opt/ttl/dist/trainer.js prepare ${file} --run-id exp-4x2 --runs-dir ${path.join(dir, '.two-tower-lab', 'runs')} --nodes 4 --processes 2 --device cpu --threads "$THREADS" --pid $$ || exit $?`);
    // (b) torchrun on every node, rendezvous on the allocation's first node.
    expect(lines).toContain('HEAD=$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)');
    expect(lines).toContain(
      `srun --nodes=4 --ntasks-per-node=1 --kill-on-bad-exit=1 python3 -m torch.distributed.run --nnodes=4 --nproc_per_node=2 --rdzv_backend=c10d --rdzv_endpoint=$HEAD:29500 --rdzv_id=exp-4x2 --redirects 2 --tee 2 --log_dir ${run}/torchrun -m two_tower_lab.worker --run-dir ${run} &`,
    );
    // (c) a failure the workers did not record.
    expect(lines).toContain(`  node /opt/ttl/dist/trainer.js close-run exp-4x2 --runs-dir ${path.join(dir, '.two-tower-lab', 'runs')} --exit-code "$code"; code=$?`);
    expect(lines).toContain('export PYTHONPATH="${TWO_TOWER_LAB_PYTHON_PACKAGE:-/opt/ttl/python}${PYTHONPATH:+:$PYTHONPATH}"');
    expect(lines).toContain('export TWO_TOWER_LAB_DEVICE=cpu PYTHONUNBUFFERED=1');
    shellOk(script);
  });

  it('asks for the GPUs of a CUDA job, one process per GPU, and computes the threads from the task\'s CPUs when --cpus is not given', async () => {
    const { args, plan: p } = await plan(['--emit', 'slurm', '--nodes', '2', '--gpus', '8', '--run-id', 'exp-gpu', '--port', '29600', '--python', '/opt/conda/bin/python']);
    expect(p).toMatchObject({ nodes: 2, processes: 8, device: 'cuda', gpusPerNode: 8 });
    const script = slurmScript(p, args);
    expect(sbatchLines(script)).toEqual([
      '#SBATCH --job-name=exp-gpu',
      '#SBATCH --nodes=2',
      '#SBATCH --ntasks-per-node=1',
      '#SBATCH --gpus-per-node=8',
      '#SBATCH --output=two-tower-lab-exp-gpu-%j.out',
      '#SBATCH --signal=TERM@120',
    ]);
    expect(script).toContain('THREADS=$(( ${SLURM_CPUS_PER_TASK:-$(nproc)} / 8 ))');
    expect(script).toContain('/opt/conda/bin/python -m torch.distributed.run --nnodes=2 --nproc_per_node=8 --rdzv_backend=c10d --rdzv_endpoint=$HEAD:29600 --rdzv_id=exp-gpu ');
    expect(script).toContain('export TWO_TOWER_LAB_DEVICE=cuda');
    shellOk(script);
  });

  it('passes launch\'s --set overrides on to prepare, quoted for the shell', async () => {
    const { args, plan: p } = await plan(['--emit', 'slurm', '--nodes', '2', '--run-id', 'exp-set', '--set', 'training.epochs=3', '--set', 'name=my run']);
    expect(slurmScript(p, args)).toContain("--device cpu --set training.epochs=3 --set 'name=my run' --threads");
  });
});

describe('launch --emit k8s', () => {
  it('writes a ConfigMap (the pods\' script), a headless Service and an Indexed Job that parse as YAML', async () => {
    const { args, plan: p } = await plan(['--emit', 'k8s', '--nodes', '4', '--gpus', '8', '--cpus', '64', '--image', 'registry.example.com/ttl:0.1', '--run-id', 'Exp-GPU-4x8', '--namespace', 'recsys']);
    const text = k8sManifest(p, args);
    const docs = parseAllDocuments(text).map((d) => {
      expect(d.errors).toEqual([]);
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kubernetes objects, checked field by field below
      return d.toJS() as Record<string, any>;
    });
    expect(docs.map((d) => d.kind)).toEqual(['ConfigMap', 'Service', 'Job']);
    const name = 'ttl-exp-gpu-4x8';
    for (const d of docs) expect(d.metadata).toMatchObject({ name, namespace: 'recsys', labels: { 'two-tower-lab/run': name } });
    const [configMap, service, job] = docs;
    expect(service.spec).toEqual({ clusterIP: 'None', publishNotReadyAddresses: true, selector: { 'two-tower-lab/run': name }, ports: [{ name: 'rendezvous', port: 29500, targetPort: 29500 }] });
    expect(job.spec).toMatchObject({ completionMode: 'Indexed', completions: 4, parallelism: 4, backoffLimit: 0 });
    const pod = job.spec.template.spec;
    expect(job.spec.template.metadata.labels).toEqual({ 'app.kubernetes.io/name': 'two-tower-lab', 'two-tower-lab/run': name });
    expect(pod).toMatchObject({ subdomain: name, restartPolicy: 'Never', terminationGracePeriodSeconds: 120 });
    const [container] = pod.containers;
    expect(container).toMatchObject({
      image: 'registry.example.com/ttl:0.1',
      workingDir: '/workspace',
      command: ['/bin/sh', '/etc/two-tower-lab/launch.sh'],
      resources: { requests: { cpu: '64' }, limits: { 'nvidia.com/gpu': 8 } },
      ports: [{ name: 'rendezvous', containerPort: 29500 }],
    });
    expect(container.env).toEqual([
      { name: 'PYTHONPATH', value: '/opt/two-tower-lab/python' },
      { name: 'TWO_TOWER_LAB_DEVICE', value: 'cuda' },
      { name: 'PYTHONUNBUFFERED', value: '1' },
    ]);
    expect(pod.volumes).toEqual([
      { name: 'workspace', persistentVolumeClaim: { claimName: 'two-tower-lab' } },
      { name: 'dshm', emptyDir: { medium: 'Memory' } },
      { name: 'script', configMap: { name, defaultMode: 0o755 } },
    ]);
    // The run folder on the volume, the rendezvous on pod 0 by its stable name.
    const script: string = configMap.data['launch.sh'];
    expect(script).toBe(podScript(p, `${name}-0.${name}`));
    const lines = script.split('\n');
    expect(lines).toContain('THREADS=8');
    expect(lines).toContain('  two-tower-lab prepare /workspace/exp.tower.yaml --run-id Exp-GPU-4x8 --runs-dir /workspace/.two-tower-lab/runs --nodes 4 --processes 8 --device cuda --threads "$THREADS" --pid $$ || exit $?');
    expect(lines).toContain(
      `python3 -m torch.distributed.run --nnodes=4 --nproc_per_node=8 --rdzv_backend=c10d --rdzv_endpoint=${name}-0.${name}:29500 --rdzv_id=Exp-GPU-4x8 --redirects 2 --tee 2 --log_dir /workspace/.two-tower-lab/runs/Exp-GPU-4x8/torchrun -m two_tower_lab.worker --run-dir /workspace/.two-tower-lab/runs/Exp-GPU-4x8 &`,
    );
    expect(lines).toContain('  if [ "$JOB_COMPLETION_INDEX" = 0 ]; then two-tower-lab close-run Exp-GPU-4x8 --runs-dir /workspace/.two-tower-lab/runs --exit-code "$code"; code=$?; fi');
    expect(script).toContain('  until [ "$(count started)" -gt 0 ]; do');
    shellOk(script);
    // No YAML anchors: every document reads on its own.
    expect(text).not.toMatch(/[&*]a\d/);
  });

  it('maps this folder onto the volume, and refuses an experiment outside it', async () => {
    const { plan: p } = await plan(['--emit', 'k8s', '--image', 'i', '--mount', '/data/project', '--runs-dir', 'runs/shared', '--run-id', 'r1']);
    expect(p).toMatchObject({ experiment: '/data/project/exp.tower.yaml', runsDir: '/data/project/runs/shared', runDir: '/data/project/runs/shared/r1', cli: 'two-tower-lab' });
    const args = parseLaunchArgs(['--emit', 'k8s', '--image', 'i', file]);
    const loaded = await loadExperiment(file);
    expect(() => planLaunch(loaded.config, args, file, { ...SITE(), cwd: path.join(dir, 'elsewhere') })).toThrow(/is outside this folder/);
  });

  it('names the Job and Service with a DNS label short enough for <job>-<index> host names', () => {
    expect(k8sName('Exp_GPU.4x8')).toBe('ttl-exp-gpu-4x8');
    const long = k8sName(`${'a'.repeat(80)}-20261201-120000-abcd`);
    expect(long.length).toBeLessThanOrEqual(52);
    expect(long).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    // A job that resumes the run is another Job object: the first may still exist, and its pods cannot be changed.
    expect(k8sName('Exp_GPU.4x8', { startedBefore: 2, endedBefore: 2 })).toBe('ttl-exp-gpu-4x8-r3');
    expect(k8sName(`${'a'.repeat(80)}`, { startedBefore: 1, endedBefore: 1 })).toMatch(/^ttl-a{45}-r2$/);
  });
});

describe('a job that resumes a run', () => {
  async function resumePlan(emit: 'slurm' | 'k8s') {
    const args = parseLaunchArgs(['--emit', emit, '--resume', 'r7', '--runs-dir', 'runs', '--nodes', '2', ...(emit === 'k8s' ? ['--image', 'i'] : [])]);
    const loaded = await loadExperiment(file, prepareOverrides(args));
    return planLaunch(loaded.config, args, path.join(dir, 'runs', 'r7', 'config.yaml'), SITE(), { startedBefore: 2, endedBefore: 2 });
  }
  it('prepares with --resume (no experiment file, the run\'s own config) and starts the workers with --resume', async () => {
    const p = await resumePlan('slurm');
    const script = slurmScript(p, {});
    const lines = script.split('\n');
    expect(lines).toContain(`node /opt/ttl/dist/trainer.js prepare --resume r7 --runs-dir ${dir}/runs --nodes 2 --processes 1 --device cpu --threads "$THREADS" --pid $$ || exit $?`);
    expect(lines.find((l) => l.startsWith('srun '))).toMatch(/-m two_tower_lab\.worker --run-dir \S+\/runs\/r7 --resume &$/);
    shellOk(script);
  });
  it('the other pods wait for a third `started` (the folder held two), and give up at a third `ended`', async () => {
    const script = podScript(await resumePlan('k8s'), 'localhost');
    expect(script).toContain('  until [ "$(count started)" -gt 2 ]; do');
    expect(script).toContain('    if [ "$(count ended)" -gt 2 ]; then echo "run r7: preparing failed, see $RUN/events.jsonl" >&2; exit 1; fi');
    expect(script).toContain('  two-tower-lab prepare --resume r7 --runs-dir /workspace/runs --nodes 2 --processes 1 --device cpu --threads "$THREADS" --pid $$ || exit $?');
    shellOk(script);
  });
});

describe('the launch plan', () => {
  it('resolves device auto to cuda with --gpus, to cpu without, and takes the experiment\'s processes and threads', async () => {
    expect((await plan(['--emit', 'slurm', '--gpus', '4'])).plan).toMatchObject({ device: 'cuda', processes: 4, gpusPerNode: 4 });
    expect((await plan(['--emit', 'slurm', '--processes', '3'])).plan).toMatchObject({ device: 'cpu', processes: 3 });
    expect((await plan(['--emit', 'slurm', '--processes', '3'])).plan.gpusPerNode).toBeUndefined();
    const { plan: p } = await plan(['--emit', 'slurm', '--set', 'training.engine_options.threads=6', '--set', 'training.engine_options.nodes=3']);
    expect(p).toMatchObject({ nodes: 3, threads: 6 });
  });
  it('refuses more processes than GPUs, and GPUs for device: cpu', async () => {
    await expect(plan(['--emit', 'slurm', '--gpus', '2', '--processes', '4'])).rejects.toThrow(/4 processes per node need 4 GPUs/);
    await expect(plan(['--emit', 'slurm', '--gpus', '2', '--set', 'training.engine_options.device=cpu'])).rejects.toThrow(UsageError);
  });
  it('wants --emit, one file, and --image for k8s', () => {
    expect(() => parseLaunchArgs([file])).toThrow(/--emit k8s/);
    expect(() => parseLaunchArgs(['--emit', 'k8s', file])).toThrow(/needs --image/);
    expect(() => parseLaunchArgs(['--emit', 'slurm', file, file])).toThrow(/one experiment file/);
    expect(() => parseLaunchArgs(['--emit', 'slurm', '--run-id', '../x', file])).toThrow(/is not a run id/);
    expect(() => parseLaunchArgs(['--emit', 'slurm', '--resume', 'r1', file])).toThrow(/give no experiment file and no --run-id/);
    expect(() => parseLaunchArgs(['--emit', 'slurm', '--resume', 'r1', '--run-id', 'r2'])).toThrow(/give no experiment file and no --run-id/);
    expect(() => parseLaunchArgs(['--emit', 'slurm', '--resume', '../r1'])).toThrow(/--resume '..\/r1' is not a run id/);
    expect(parseLaunchArgs(['--emit', 'slurm', '--resume', 'r1'])).toMatchObject({ resume: 'r1' });
    expect(parseLaunchArgs(['--emit', 'slurm', '--resume', 'r1']).file).toBeUndefined();
  });
  it('quotes shell words only when needed', () => {
    expect(shellWord('/a/b-c_d.yaml')).toBe('/a/b-c_d.yaml');
    expect(shellWord("it's here")).toBe(`'it'\\''s here'`);
  });
});

describe('launchCommand', () => {
  const sink = () => {
    let text = '';
    return { write: (t: string) => void (text += t), text: () => text };
  };
  it('validates like train: an invalid experiment prints its error and no job, exit 2', async () => {
    const bad = path.join(dir, 'bad.tower.yaml');
    writeFileSync(bad, SYNTHETIC.replace('source: in_batch', 'source: impressed_not_clicked'));
    const out = sink();
    const err = sink();
    expect(await launchCommand(parseLaunchArgs(['--emit', 'slurm', bad]), out, err, SITE())).toBe(2);
    expect(out.text()).toBe('');
    expect(err.text()).toMatch(/error impressed-negatives/);
  });
  it('prints the job, or writes it with --out', async () => {
    const out = sink();
    expect(await launchCommand(parseLaunchArgs(['--emit', 'slurm', '--nodes', '2', file]), out, sink(), SITE())).toBe(0);
    expect(out.text()).toMatch(/^#!\/bin\/bash\n/);
    const target = path.join(dir, 'job.yaml');
    const err = sink();
    expect(await launchCommand(parseLaunchArgs(['--emit', 'k8s', '--image', 'i', '--run-id', 'r2', '--out', target, file]), sink(), err, SITE())).toBe(0);
    expect(err.text()).toMatch(/^wrote .*job\.yaml: run r2 on 1 nodes × 1 processes \(cpu\)\. kubectl apply -f /);
  });
});
