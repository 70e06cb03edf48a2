import { rename, rm, writeFile } from 'node:fs/promises';

/**
 * Writes `data` to `target` through a temporary file renamed into place: a reader (another process
 * loading a saved index or model, a browser fetching a thumbnail) never sees half a file, and a write
 * that fails leaves neither a half file nor its temporary one behind. The temporary name is unique per
 * call, so two writers of one target in one process do not share it.
 */
export async function writeWhole(target: string, data: Parameters<typeof writeFile>[1]): Promise<void> {
  const tmp = `${target}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, target);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}
