// `zhub new service|collector NAME`: a small ready project in a folder of its own.
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ZHubError } from '../../shared/index.js';
import { collectorProject } from './scaffold-collector.js';
import { serviceProject } from './scaffold-service.js';

export type ScaffoldKind = 'service' | 'collector';

/** The names a project is written with. */
export interface Scaffold {
  kind: ScaffoldKind;
  /** The npm package name (as given). */
  name: string;
  /** `disk-usage`: file names and the collector's datasource type. */
  kebab: string;
  /** `DiskUsage`: class names. */
  pascal: string;
}

const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

export function scaffoldNames(kind: ScaffoldKind, name: string): Scaffold {
  if (!NAME.test(name) || name.length > 64) {
    throw new ZHubError(
      'HUB_ERR_CONFIG',
      `'${name}' is not a usable name: lower-case letters, digits and single dashes, starting with a letter (for example disk-usage)`,
    );
  }
  const pascal = name.replace(/(^|-)([a-z0-9])/g, (_, _dash: string, c: string) => c.toUpperCase());
  return { kind, name, kebab: name, pascal };
}

function packageJson(s: Scaffold, zhubVersion: string): string {
  const pkg = {
    name: s.name,
    version: '0.1.0',
    private: true,
    type: 'module',
    ...(s.kind === 'service'
      ? {
          exports: {
            './contract': { types: './dist/src/contract.d.ts', import: './dist/src/contract.js' },
          },
        }
      : {}),
    scripts: {
      build: 'tsc -p tsconfig.json',
      test: 'npm run build && node --test dist/test/',
    },
    dependencies: { zhub: `^${zhubVersion}` },
    devDependencies: { typescript: '~5.9.0' },
  };
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

const TSCONFIG = `${JSON.stringify(
  {
    compilerOptions: {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      noUncheckedIndexedAccess: true,
      exactOptionalPropertyTypes: true,
      noPropertyAccessFromIndexSignature: true,
      declaration: true,
      outDir: 'dist',
      rootDir: '.',
      types: ['node'],
    },
    include: ['src', 'test'],
  },
  null,
  2,
)}\n`;

/**
 * Writes the project into `dir` (default ./NAME), refusing a folder that is not empty, and
 * answers the files written (relative to `dir`).
 */
export async function writeScaffold(
  kind: ScaffoldKind,
  name: string,
  dir: string | undefined,
  zhubVersion: string,
): Promise<{ dir: string; files: string[] }> {
  const s = scaffoldNames(kind, name);
  const root = resolve(dir ?? name);
  if (existsSync(root) && readdirSync(root).length > 0) {
    throw new ZHubError('HUB_ERR_CONFIG', `${root} is not empty: give another name or --dir`);
  }
  const files: Record<string, string> = {
    'package.json': packageJson(s, zhubVersion),
    'tsconfig.json': TSCONFIG,
    '.gitignore': 'node_modules/\ndist/\ndata/\n',
    ...(kind === 'service' ? serviceProject(s) : collectorProject(s)),
  };
  for (const [rel, text] of Object.entries(files)) {
    const path = join(root, rel);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, text);
  }
  return { dir: root, files: Object.keys(files) };
}
