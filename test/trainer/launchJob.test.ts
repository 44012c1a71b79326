/**
 * The launch-side subcommands through the real CLI (`node dist/trainer.js`): `prepare` makes a run for
 * workers started elsewhere (run folder, config.yaml with the job's shape, prepared arrays, `started` with
 * the job shell's pid and this host, no lock left), `close-run` records a failure the workers did not; and,
 * with torch, the jobs `launch` emits run for real on this machine: the Slurm script (with stand-ins for
 * scontrol and srun: one node × 2 processes, c10d rendezvous) and the pods' script of the Kubernetes Job
 * as two "pods" (2 torchrun agents of 1 process, the second waiting for the first to prepare); and the jobs
 * `launch --resume` writes, run after those (one epoch more, another shape), with its refusals.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { loadExperiment } from '../../src/core/config/load';
import { parseLaunchArgs, planLaunch, podScript } from '../../src/trainer/launch';
import { prepareOverrides } from '../../src/trainer/prepareRun';
import { freePort } from '../../src/trainer/torch/freePort';
import { parseEventLines, type StartedEvent, type TrainerEvent } from '../../src/shared/events';
import { cleanup, REPO, runTrainer, TRAINER, tinySynthetic, workspace } from './trainerProcess';

afterAll(cleanup);

const PYTHON = '/usr/bin/python3';
const hasTorch = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch, numpy'], { encoding: 'utf8' }).status === 0;

const eventsOf = (runDir: string): TrainerEvent[] => parseEventLines(readFileSync(path.join(runDir, 'events.jsonl'), 'utf8')).events;

describe('two-tower-lab prepare and close-run', () => {
  it('prepares a run of 3 nodes × 2 processes without training, and leaves the folder to the workers', async () => {
    const cwd = workspace({ 'tiny.tower.yaml': tinySynthetic() });
    const r = await runTrainer(['prepare', 'tiny.tower.yaml', '--run-id', 'multi-1', '--runs-dir', 'runs', '--nodes', '3', '--processes', '2', '--device', 'cpu', '--threads', '4', '--pid', String(process.pid)], cwd);
    expect(r.code, r.stderr).toBe(0);
    const run = path.join(cwd, 'runs', 'multi-1');
    expect(r.stdout.trim()).toBe(run);
    const config = readFileSync(path.join(run, 'config.yaml'), 'utf8');
    expect(config).toMatch(/^ {2}engine: torch$/m);
    expect(config).toMatch(/^ {4}nodes: 3$/m);
    expect(config).toMatch(/^ {4}processes: 2$/m);
    expect(JSON.parse(readFileSync(path.join(run, 'prepared', 'meta.json'), 'utf8'))).toMatchObject({ format: 'two-tower-lab/prepared@1', runId: 'multi-1' });
    const events = eventsOf(run);
    expect(events.map((e) => e.type)).toEqual(['started']);
    const started = events[0] as StartedEvent;
    expect(started).toMatchObject({ engine: 'torch', backend: 'torch', device: 'cpu', processes: 2, worldSize: 6, threads: 4, pid: process.pid, host: hostname() });
    expect(existsSync(path.join(run, 'run.lock')), 'prepare left its lock: the workers write the folder now').toBe(false);
    // The same id again is refused: the folder holds a run.
    const again = await runTrainer(['prepare', 'tiny.tower.yaml', '--run-id', 'multi-1', '--runs-dir', 'runs'], cwd);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already holds run multi-1/);
  }, 120_000);

  it('close-run records a failure once, with the exit code, and exits with the run\'s outcome', async () => {
    const cwd = workspace({ 'tiny.tower.yaml': tinySynthetic() });
    expect((await runTrainer(['prepare', 'tiny.tower.yaml', '--run-id', 'closed', '--runs-dir', 'runs', '--nodes', '2'], cwd)).code).toBe(0);
    const run = path.join(cwd, 'runs', 'closed');
    const first = await runTrainer(['close-run', 'closed', '--runs-dir', 'runs', '--exit-code', '137', '--grace-sec', '0'], cwd);
    expect(first.code).toBe(1);
    const ended = eventsOf(run).at(-1)!;
    expect(ended).toMatchObject({ type: 'ended', status: 'failed', epoch: 0, step: 0 });
    expect(ended.type === 'ended' && ended.error).toMatch(/exited \(exit code 137: killed by signal 9\) without recording how the run ended.*torchrun\//);
    expect((await runTrainer(['close-run', 'closed', '--runs-dir', 'runs', '--exit-code', '1', '--grace-sec', '0'], cwd)).code).toBe(1);
    expect(eventsOf(run).filter((e) => e.type === 'ended')).toHaveLength(1);
    // A run its workers stopped (SIGTERM: torchrun's agent exits 1) is not a failure of the job.
    writeFileSync(path.join(run, 'events.jsonl'), `${readFileSync(path.join(run, 'events.jsonl'), 'utf8').split('\n').filter((l) => !l.includes('"ended"')).join('\n')}${JSON.stringify({ schemaVersion: 1, time: new Date().toISOString(), runId: 'closed', type: 'ended', status: 'stopped', epoch: 1, step: 5, elapsedSec: 2 })}\n`);
    expect((await runTrainer(['close-run', 'closed', '--runs-dir', 'runs', '--exit-code', '1', '--grace-sec', '0'], cwd)).code).toBe(0);
  }, 120_000);
});

/** Runs a shell script; resolves with its exit code and output. */
function sh(shell: string, script: string, cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(shell, [script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

/** `scontrol`, `srun` (one node: runs the command) and `two-tower-lab` (this build) for the jobs' scripts. */
function standIns(cwd: string): NodeJS.ProcessEnv {
  const bin = path.join(cwd, 'bin');
  mkdirSync(bin);
  const put = (name: string, text: string): void => {
    writeFileSync(path.join(bin, name), text);
    chmodSync(path.join(bin, name), 0o755);
  };
  put('scontrol', '#!/bin/sh\necho localhost\n');
  put('srun', '#!/bin/sh\nwhile [ $# -gt 0 ]; do case "$1" in --*) shift;; *) break;; esac; done\nexec "$@"\n');
  put('two-tower-lab', `#!/bin/sh\nexec ${process.execPath} ${TRAINER} "$@"\n`);
  return { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`, SLURM_JOB_NODELIST: 'localhost', TWO_TOWER_LAB_PYTHON_PACKAGE: path.join(REPO, 'python') };
}

describe.skipIf(!hasTorch)('the emitted jobs, run on this machine (skipped without torch in /usr/bin/python3)', () => {
  it('the Slurm script prepares once and trains one node × 2 processes through a c10d rendezvous', async () => {
    const cwd = workspace({ 'tiny.tower.yaml': tinySynthetic() });
    const env = standIns(cwd);
    const emitted = await runTrainer(['launch', '--emit', 'slurm', 'tiny.tower.yaml', '--nodes', '1', '--processes', '2', '--cpus', '2', '--run-id', 'slurm-1', '--runs-dir', 'runs', '--python', PYTHON, '--port', String(await freePort()), '--set', 'training.epochs=2', '--out', 'job.sbatch'], cwd);
    expect(emitted.code, emitted.stderr).toBe(0);
    const job = await sh('bash', 'job.sbatch', cwd, env);
    expect(job.code, job.output).toBe(0);
    const events = eventsOf(path.join(cwd, 'runs', 'slurm-1'));
    expect(events.filter((e) => e.type === 'started')).toHaveLength(1);
    expect(events.find((e) => e.type === 'started')).toMatchObject({ worldSize: 2, processes: 2, threads: 1, host: hostname() });
    expect(events.at(-1)).toMatchObject({ type: 'ended', status: 'completed', epoch: 2 });

    // launch --resume: a run with no epochs left gives no job; with more epochs (and another shape) it continues.
    const done = await runTrainer(['launch', '--emit', 'slurm', '--resume', 'slurm-1', '--runs-dir', 'runs', '--out', 'none.sbatch'], cwd);
    expect(done.code).toBe(2);
    expect(done.stderr).toMatch(/run slurm-1 has trained all 2 of its epochs .*--set training\.epochs=/);
    expect(existsSync(path.join(cwd, 'none.sbatch'))).toBe(false);
    const resumed = await runTrainer(['launch', '--emit', 'slurm', '--resume', 'slurm-1', '--runs-dir', 'runs', '--processes', '1', '--python', PYTHON, '--port', String(await freePort()), '--set', 'training.epochs=3', '--out', 'resume.sbatch'], cwd);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/resumes run slurm-1 after its checkpoint on 1 nodes × 1 processes/);
    const again = await sh('bash', 'resume.sbatch', cwd, env);
    expect(again.code, again.output).toBe(0);
    const after = eventsOf(path.join(cwd, 'runs', 'slurm-1'));
    const starts = after.filter((e): e is StartedEvent => e.type === 'started');
    expect(starts).toHaveLength(2);
    expect(starts[1]).toMatchObject({ resumedFromEpoch: 2, worldSize: 1, processes: 1, epochs: 3 });
    expect(after.filter((e) => e.type === 'epoch').map((e) => e.epoch)).toEqual([1, 2, 3]);
    expect(after.at(-1)).toMatchObject({ type: 'ended', status: 'completed', epoch: 3 });
    expect(readFileSync(path.join(cwd, 'runs', 'slurm-1', 'config.yaml'), 'utf8')).toMatch(/^ {2}epochs: 3$/m);
  }, 300_000);

  it('launch --resume refuses a run that is running, has no checkpoint, or was trained by tfjs, and says what to do', async () => {
    const cwd = workspace({ 'tiny.tower.yaml': tinySynthetic() });
    // Prepared but never trained: its preparing process is gone, and there is no checkpoint.
    expect((await runTrainer(['prepare', 'tiny.tower.yaml', '--run-id', 'bare', '--runs-dir', 'runs'], cwd)).code).toBe(0);
    const bare = await runTrainer(['launch', '--emit', 'slurm', '--resume', 'bare', '--runs-dir', 'runs'], cwd);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/run bare has no checkpoint yet/);
    // Alive: its `started` names this test's own process on this host.
    const events = path.join(cwd, 'runs', 'bare', 'events.jsonl');
    const lines = readFileSync(events, 'utf8').trimEnd().split('\n');
    writeFileSync(events, `${lines.map((l) => (l.includes('"type":"started"') ? JSON.stringify({ ...JSON.parse(l), pid: process.pid }) : l)).join('\n')}\n`);
    const live = await runTrainer(['prepare', '--resume', 'bare', '--runs-dir', 'runs'], cwd);
    expect(live.code).toBe(2);
    expect(live.stderr).toMatch(new RegExp(`run bare is still running \\(its process ${process.pid} on ${hostname()}\\).*close-run bare`));
    expect(readFileSync(events, 'utf8').trimEnd().split('\n')).toHaveLength(lines.length);
    // Trained by tfjs: it continues with train --resume.
    expect((await runTrainer(['train', 'tiny.tower.yaml', '--run-id', 'tf-1', '--runs-dir', 'runs', '--epochs', '1', '--quiet'], cwd)).code).toBe(0);
    const tfjs = await runTrainer(['launch', '--emit', 'slurm', '--resume', 'tf-1', '--runs-dir', 'runs'], cwd);
    expect(tfjs.code).toBe(2);
    expect(tfjs.stderr).toMatch(/run tf-1 was trained by the tfjs engine.*two-tower-lab train --resume tf-1/);
    expect((await runTrainer(['launch', '--emit', 'slurm', '--resume', 'nowhere', '--runs-dir', 'runs'], cwd)).stderr).toMatch(/no run 'nowhere' in /);
  }, 240_000);

  it('the Kubernetes pods\' script: pod 1 waits for pod 0 to prepare, then 2 agents train one run', async () => {
    const cwd = workspace({ 'tiny.tower.yaml': tinySynthetic() });
    const env = standIns(cwd);
    // The manifest's script, with the rendezvous on this machine instead of pod 0's cluster name.
    const args = parseLaunchArgs(['--emit', 'k8s', 'tiny.tower.yaml', '--image', 'unused', '--nodes', '2', '--processes', '1', '--run-id', 'k8s-1', '--runs-dir', 'runs', '--mount', cwd, '--python', PYTHON, '--port', String(await freePort()), '--set', 'training.epochs=2']);
    const loaded = await loadExperiment(path.join(cwd, 'tiny.tower.yaml'), prepareOverrides(args));
    const plan = planLaunch(loaded.config, args, path.join(cwd, 'tiny.tower.yaml'), { cwd, cli: 'unused', packageDir: 'unused' });
    writeFileSync(path.join(cwd, 'launch.sh'), podScript(plan, 'localhost'));
    const podEnv = { ...env, PYTHONPATH: path.join(REPO, 'python'), TWO_TOWER_LAB_DEVICE: 'cpu' };
    const pod1 = sh('sh', 'launch.sh', cwd, { ...podEnv, JOB_COMPLETION_INDEX: '1' });
    const pod0 = sh('sh', 'launch.sh', cwd, { ...podEnv, JOB_COMPLETION_INDEX: '0' });
    const [zero, one] = await Promise.all([pod0, pod1]);
    expect(zero.code, zero.output).toBe(0);
    expect(one.code, one.output).toBe(0);
    const events = eventsOf(path.join(cwd, 'runs', 'k8s-1'));
    expect(events.filter((e) => e.type === 'started')).toHaveLength(1);
    expect(events.find((e) => e.type === 'started')).toMatchObject({ worldSize: 2, processes: 1 });
    expect(events.at(-1)).toMatchObject({ type: 'ended', status: 'completed', epoch: 2 });

    // The job that resumes it: pod 1 must wait for the new `started`, not take the first one for it.
    const resumeArgs = parseLaunchArgs(['--emit', 'k8s', '--resume', 'k8s-1', '--image', 'unused', '--runs-dir', 'runs', '--mount', cwd, '--python', PYTHON, '--port', String(await freePort()), '--set', 'training.epochs=3']);
    const config = path.join(cwd, 'runs', 'k8s-1', 'config.yaml');
    const resumeLoaded = await loadExperiment(config, prepareOverrides(resumeArgs));
    const resumePlan = planLaunch(resumeLoaded.config, resumeArgs, config, { cwd, cli: 'unused', packageDir: 'unused' }, { startedBefore: 1, endedBefore: 1 });
    writeFileSync(path.join(cwd, 'resume.sh'), podScript(resumePlan, 'localhost'));
    const later1 = sh('sh', 'resume.sh', cwd, { ...podEnv, JOB_COMPLETION_INDEX: '1' });
    const later0 = sh('sh', 'resume.sh', cwd, { ...podEnv, JOB_COMPLETION_INDEX: '0' });
    const [zero2, one2] = await Promise.all([later0, later1]);
    expect(zero2.code, zero2.output).toBe(0);
    expect(one2.code, one2.output).toBe(0);
    const after = eventsOf(path.join(cwd, 'runs', 'k8s-1'));
    expect(after.filter((e) => e.type === 'started').at(-1)).toMatchObject({ resumedFromEpoch: 2, worldSize: 2 });
    expect(after.at(-1)).toMatchObject({ type: 'ended', status: 'completed', epoch: 3 });
    // `train --resume` of a run of 2 nodes points at the job that resumes it, and writes nothing.
    const here = await runTrainer(['train', '--resume', 'k8s-1', '--runs-dir', 'runs', '--epochs', '4'], cwd);
    expect(here.code).toBe(2);
    expect(here.stderr).toMatch(/To continue run k8s-1 on 2 nodes, `two-tower-lab launch --emit k8s\|slurm --resume k8s-1`/);
    expect(eventsOf(path.join(cwd, 'runs', 'k8s-1'))).toHaveLength(after.length);
  }, 300_000);
});
