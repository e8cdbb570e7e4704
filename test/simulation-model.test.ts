import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// The simulation's model must stay independent of the app: written from the SPEC, it may import only its own files
// (sim/model/*), nothing from src/server — not even types or constants — nor packages that could carry app code.

const MODEL_DIR = path.resolve(import.meta.dirname, '../sim/model');

function importsOf(source: string): string[] {
  const specifiers: string[] = [];
  // Static imports and re-exports (type-only included), dynamic import() and require().
  const patterns = [/\b(?:import|export)\s+(?:type\s+)?(?:[^'"`;]*?\bfrom\s*)?['"]([^'"]+)['"]/g, /\bimport\s*\(\s*['"`]([^'"`]+)['"`]\s*\)/g, /\brequire\s*\(\s*['"`]([^'"`]+)['"`]\s*\)/g];
  for (const pattern of patterns) for (const match of source.matchAll(pattern)) specifiers.push(match[1]!);
  return specifiers;
}

describe('the simulation’s independent model', () => {
  const files = readdirSync(MODEL_DIR).filter((f) => f.endsWith('.ts'));

  it('exists', () => {
    expect(files).toEqual(expect.arrayContaining(['model.ts', 'money.ts', 'types.ts']));
  });

  it.each(files)('%s imports nothing but sim/model itself', (file) => {
    const source = readFileSync(path.join(MODEL_DIR, file), 'utf8');
    for (const specifier of importsOf(source)) {
      expect(specifier, `${file} imports ${specifier}`).toMatch(/^\.\/[\w.-]+\.js$/);
      expect(path.dirname(path.resolve(MODEL_DIR, specifier)), `${file} imports ${specifier}`).toBe(MODEL_DIR);
    }
    // Outside comments, no path into the app or the emulator at all (a string built for a dynamic import, say).
    const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
    expect(code).not.toMatch(/src\/server|stripe-emulator|\.\.\//);
  });

  it('the check catches an import of the app', () => {
    expect(importsOf(`import type { Economics } from '../../src/server/modules/ledger/money.js';`)).toEqual(['../../src/server/modules/ledger/money.js']);
    expect(importsOf(`export { x } from "../harness/world.js";\nconst m = await import('../../src/server/app.js');`)).toEqual([
      '../harness/world.js',
      '../../src/server/app.js',
    ]);
  });
});
