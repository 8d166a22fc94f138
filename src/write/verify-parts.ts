/**
 * Committed parts are trusted only after checking them: a file deleted, truncated or replaced since
 * its checkpoint would otherwise be listed in a manifest that claims rows the files do not hold.
 */
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import path from 'node:path';
import type { CommittedPartRecord } from '../extract/state.js';

export interface PartProblem {
  /** Index of the first part with a problem. */
  index: number;
  file: string;
  problem: string;
}

/**
 * The first committed part whose files are missing or differ from their checkpoint: by size alone
 * (cheap, every run end), or by size and sha256 (a resume, when another process wrote them).
 */
export async function firstBadPart(
  dir: string,
  parts: readonly CommittedPartRecord[],
  hash: boolean,
  stageDir?: string,
): Promise<PartProblem | undefined> {
  for (const [index, part] of parts.entries()) {
    const files = part.files.map((name, j) => ({
      file: path.join(dir, name),
      bytes: part.bytes[j],
      sha: part.sha256[j],
    }));
    if (stageDir !== undefined) {
      const s = part.staged;
      files.push(
        s
          ? { file: path.join(stageDir, s.file), bytes: s.bytes, sha: s.sha256 }
          : { file: path.join(stageDir, `(part ${index} was not staged)`), bytes: undefined, sha: undefined },
      );
    }
    for (const f of files) {
      const problem = await fileProblem(f.file, f.bytes, hash ? f.sha : undefined);
      if (problem) return { index, file: f.file, problem };
    }
  }
  return undefined;
}

async function fileProblem(
  file: string,
  bytes: number | undefined,
  sha256: string | undefined,
): Promise<string | undefined> {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    return 'missing';
  }
  if (bytes !== undefined && size !== bytes) return `${size} bytes, ${bytes} when committed`;
  if (sha256 !== undefined && (await sha256Of(file)) !== sha256)
    return 'its sha256 differs from the one recorded when it was committed';
  return undefined;
}

function sha256Of(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}
