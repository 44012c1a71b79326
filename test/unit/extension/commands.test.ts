import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Commands, Views } from '../../../src/extension/commands';

interface Manifest {
  contributes: {
    commands: { command: string }[];
    views: Record<string, { id: string }[]>;
    menus?: Record<string, { command: string }[]>;
  };
}

const manifest = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as Manifest;
const known = new Set<string>(Object.values(Commands));

describe('command ids', () => {
  it('declares the ten commands of DESIGN.md, Check Engines, Rename Run, the plots panel Pin and Follow, Run Sweep, Resume Sweep, Stop Sweep, Profile Data and Recommend for a User, all under the twoTowerLab. prefix and distinct', () => {
    expect(Object.keys(Commands)).toHaveLength(19);
    expect(known.size).toBe(19);
    for (const id of known) expect(id).toMatch(/^twoTowerLab\.[a-z][A-Za-z]+$/);
  });

  it('package.json contributes only commands declared in commands.ts, and menus only those', () => {
    const contributed = manifest.contributes.commands.map((c) => c.command);
    expect(contributed).toContain(Commands.openExperiment);
    for (const id of contributed) expect(known, `package.json contributes ${id}, which src/extension/commands.ts does not declare`).toContain(id);
    for (const [menu, items] of Object.entries(manifest.contributes.menus ?? {})) {
      for (const item of items) expect(known, `menu ${menu} uses ${item.command}, which src/extension/commands.ts does not declare`).toContain(item.command);
    }
  });

  it('the experiments view id matches the manifest', () => {
    const ids = Object.values(manifest.contributes.views).flat().map((v) => v.id);
    expect(ids).toContain(Views.experiments);
  });
});
