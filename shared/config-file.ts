import { readFile } from 'node:fs/promises';
import { ZHubError } from './errors.js';

/**
 * A file an operator named (a certificate, a key, a password file) as text; one it cannot
 * read is HUB_ERR_CONFIG naming `what` it is, the path and why.
 */
export async function readConfigFile(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new ZHubError(
      'HUB_ERR_CONFIG',
      `cannot read the ${what} ${path}: ${(err as Error).message}`,
    );
  }
}
