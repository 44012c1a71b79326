/** Entry point of `two-tower-lab` (the trainer process and CLI): `train | eval | export | generate`. */
const USAGE = `usage: two-tower-lab <command> [options]

commands:
  train <file.tower.yaml>   train an experiment in this process (see: two-tower-lab train --help)
  eval <run-id>             evaluate a run's checkpoint
  export <run-id>           export item and user embeddings and the model
  generate                  write a synthetic data set
`;

function main(argv: string[]): number {
  const [command] = argv;
  if (command === undefined || command === '--help' || command === '-h') {
    process.stdout.write(USAGE);
    return command === undefined ? 2 : 0;
  }
  process.stderr.write(`two-tower-lab: unknown command '${command}'\n${USAGE}`);
  return 2;
}

process.exitCode = main(process.argv.slice(2));
