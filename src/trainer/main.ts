/** Entry point of `two-tower-lab` (the trainer process and CLI): `train | data | eval | export | embed | recommend | compare | sweep | generate | doctor | launch | prepare | close-run`. */
import { COMPARE_USAGE, compareCommand, parseCompareArgs } from './compare';
import { DATA_USAGE, dataCommand, parseDataArgs } from './dataCommand';
import { doctorCommand } from './doctor';
import { LAUNCH_USAGE, launchCommand, parseLaunchArgs } from './launch';
import { CLOSE_RUN_USAGE, closeRunCommand, parseCloseRunArgs, parsePrepareArgs, PREPARE_USAGE, prepareCommand } from './prepareRun';
import { EMBED_USAGE, embedCommand, parseEmbedArgs } from './embedCommand';
import { generateCommand } from './generate';
import { parseRecommendArgs, RECOMMEND_USAGE, recommendCommand } from './recommendCommand';
import { parseGenerateArgs, parseRunArgs, parseTrainArgs, TRAIN_USAGE, UsageError } from './args';
import { evalCommand, exportCommand, RunNotFound } from './runCommands';
import { tfjsEngine } from './engine';
import { parseSweepArgs, sweepCommand, SWEEP_USAGE } from './sweep';
import { errorText, EXIT_FAILED, EXIT_INVALID, trainCommand, type TrainIo } from './train';

const USAGE = `usage: two-tower-lab <command> [options]

commands:
  train <file.tower.yaml>   train an experiment in this process (see: two-tower-lab train --help)
  data <file.tower.yaml>    profile the experiment's data: rows, users, items, positives, split, popularity [--svg FILE] [--json]
  eval <run-id>             evaluate a run's model (its best epoch when kept, else the last; --last) against popularity
  export <run-id>           write the run's serving bundle: weights, vocabularies, feature encoders, vectors, index [--out DIR] [--last]
  embed <bundle-dir>        embed new users or items from their feature rows (see: two-tower-lab embed --help)
  recommend <run-id>        the top K items of a user, marked seen / held-out, with titles (see: two-tower-lab recommend --help)
  compare <run-a> <run-b>   each metric's difference with a 95% paired bootstrap interval (see: two-tower-lab compare --help)
  sweep <file.tower.yaml>   train every run of the file's sweep: section [--parallel N] [--dry-run] [--resume ID] (see: two-tower-lab sweep --help)
  generate                  write a synthetic data set [--out DIR] [--users N] [--items N] [--seed N]
  doctor                    what this machine can train with: tfjs backend, Python, torch, CUDA, torchrun [--python PATH] [--json]
  launch --emit k8s|slurm <file.tower.yaml>   write the job that trains it on several nodes (see: two-tower-lab launch --help)
  launch --emit k8s|slurm --resume <run-id>   write the job that continues a stopped torch run from its checkpoint
  prepare <file.tower.yaml> --run-id ID       prepare a torch run for workers started elsewhere (the launched job calls it)
  close-run <run-id> --exit-code N            after a launched run's workers: record a failure they did not

common options: --runs-dir DIR (default .two-tower-lab/runs), --backend tensorflow|wasm|cpu
`;

/**
 * stdout carries the mirrored events for a parent process. When that reader goes away (the editor
 * window reloads, `| head` exits) writes fail with EPIPE: training goes on, the run folder stays the
 * source of truth, and the mirror stops.
 */
let stdoutBroken = false;
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (!stdoutBroken) process.stderr.write(`two-tower-lab: stdout closed (${err.code ?? err.message}); events continue in events.jsonl only.\n`);
  stdoutBroken = true;
});
const stdoutSink = {
  get isTTY(): boolean {
    return process.stdout.isTTY === true;
  },
  write(text: string): void {
    if (!stdoutBroken) process.stdout.write(text);
  },
};

// The same for stderr (progress and messages): losing the terminal must not lose the run.
let stderrBroken = false;
process.stderr.on('error', () => {
  stderrBroken = true;
});
const stderrSink = {
  get isTTY(): boolean {
    return process.stderr.isTTY === true;
  },
  get columns(): number | undefined {
    return process.stderr.columns;
  },
  write(text: string): void {
    if (!stderrBroken) process.stderr.write(text);
  },
};

const io: TrainIo = {
  stdout: stdoutSink,
  stderr: stderrSink,
  onStopSignal(handler) {
    const onSignal = (signal: NodeJS.Signals): void => handler(signal);
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    return () => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    };
  },
};

function printHelp(text: string): number {
  process.stdout.write(text);
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const help = rest.includes('--help') || rest.includes('-h');
  switch (command) {
    case undefined:
      process.stderr.write(USAGE);
      return EXIT_INVALID;
    case '--help':
    case '-h':
      return printHelp(USAGE);
    case 'train':
      if (help) return printHelp(TRAIN_USAGE);
      return trainCommand(parseTrainArgs(rest), tfjsEngine, io);
    case 'data':
      if (help) return printHelp(DATA_USAGE);
      return dataCommand(parseDataArgs(rest), stdoutSink, stderrSink);
    case 'eval':
      if (help) return printHelp(USAGE);
      return evalCommand(parseRunArgs('eval', rest), tfjsEngine, process.stdout);
    case 'export':
      if (help) return printHelp(USAGE);
      return exportCommand(parseRunArgs('export', rest), tfjsEngine, process.stdout);
    case 'embed':
      if (help) return printHelp(EMBED_USAGE);
      return embedCommand(parseEmbedArgs(rest), (preferred) => tfjsEngine.initBackend(preferred), stdoutSink, stderrSink);
    case 'recommend':
      if (help) return printHelp(RECOMMEND_USAGE);
      return recommendCommand(parseRecommendArgs(rest), tfjsEngine, stdoutSink, stderrSink);
    case 'compare':
      if (help) return printHelp(COMPARE_USAGE);
      return compareCommand(parseCompareArgs(rest), stdoutSink, stderrSink);
    case 'sweep':
      if (help) return printHelp(SWEEP_USAGE);
      return sweepCommand(parseSweepArgs(rest), io);
    case 'generate':
      if (help) return printHelp(USAGE);
      return generateCommand(parseGenerateArgs(rest), process.stdout);
    case 'doctor':
      if (help) return printHelp(USAGE);
      return doctorCommand(rest, () => tfjsEngine.initBackend(), process.stdout);
    case 'launch':
      if (help) return printHelp(LAUNCH_USAGE);
      return launchCommand(parseLaunchArgs(rest), stdoutSink, stderrSink);
    case 'prepare':
      if (help) return printHelp(PREPARE_USAGE);
      return prepareCommand(parsePrepareArgs(rest), stdoutSink, stderrSink);
    case 'close-run':
      if (help) return printHelp(CLOSE_RUN_USAGE);
      return closeRunCommand(parseCloseRunArgs(rest), stderrSink);
    default:
      process.stderr.write(`two-tower-lab: unknown command '${command}'\n${USAGE}`);
      return EXIT_INVALID;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof UsageError || e instanceof RunNotFound) {
      process.stderr.write(`two-tower-lab: ${e.message}\n`);
      process.exitCode = EXIT_INVALID;
      return;
    }
    process.stderr.write(`two-tower-lab: ${errorText(e)}\n`);
    process.exitCode = EXIT_FAILED;
  },
);
