/**
 * Every command id of Two-Tower Lab, declared once. package.json `contributes.commands` lists the same
 * ids; a unit test keeps the two in step. `openExperiment` is registered by experiments/register.ts,
 * `newExperiment` by main.ts, the run commands by runs/register.ts, `checkEngines` by engines/register.ts, the sweep commands by runs/sweeps.ts, `profileData` by data/register.ts, and `recommendForUser` by recommend/register.ts.
 */
export const Commands = {
  openExperiment: 'twoTowerLab.openExperiment',
  runExperiment: 'twoTowerLab.runExperiment',
  stopRun: 'twoTowerLab.stopRun',
  resumeRun: 'twoTowerLab.resumeRun',
  openPlots: 'twoTowerLab.openPlots',
  compareRuns: 'twoTowerLab.compareRuns',
  revealRun: 'twoTowerLab.revealRun',
  renameRun: 'twoTowerLab.renameRun',
  pinPlots: 'twoTowerLab.pinPlots',
  followPlots: 'twoTowerLab.followPlots',
  deleteRun: 'twoTowerLab.deleteRun',
  showTrainerLog: 'twoTowerLab.showTrainerLog',
  newExperiment: 'twoTowerLab.newExperiment',
  checkEngines: 'twoTowerLab.checkEngines',
  runSweep: 'twoTowerLab.runSweep',
  resumeSweep: 'twoTowerLab.resumeSweep',
  stopSweep: 'twoTowerLab.stopSweep',
  profileData: 'twoTowerLab.profileData',
  recommendForUser: 'twoTowerLab.recommendForUser',
} as const;

export type CommandId = (typeof Commands)[keyof typeof Commands];

/** Ids of the views the extension contributes. */
export const Views = {
  experiments: 'twoTowerLab.experiments',
} as const;

/** The glob that makes a file an experiment (language `two-tower`). */
export const EXPERIMENT_GLOB = '**/*.tower.yaml';
export const EXPERIMENT_SUFFIX = '.tower.yaml';
