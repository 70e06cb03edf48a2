import { readFile } from 'node:fs/promises';
import type { Database } from '../../storage/database.js';
import { writeWhole } from '../../util/write-whole.js';

// Trained corpus models in the database, for processes on other hosts: a retrain writes the model
// file on the host that trained it and records it here; every process that follows the model
// (EmbedderSource.poll) copies the newest one into its own DATA_DIR/models/corpus.pbem.

/** How many published models are kept (the newest, and the one before it while processes move over). */
const KEEP = 2;

export async function publishModel(database: Database, file: string, info: { name: string; version: string; papers: number }): Promise<void> {
  const model = await readFile(file);
  await database.db
    .insertInto('embedder_models')
    .values({ version: info.version, name: info.name, papers: info.papers, created_at: new Date().toISOString(), model })
    .onConflict((oc) => oc.column('version').doNothing())
    .execute();
  const keep = await database.db.selectFrom('embedder_models').select('version').orderBy('created_at', 'desc').limit(KEEP).execute();
  await database.db
    .deleteFrom('embedder_models')
    .where(
      'version',
      'not in',
      keep.map((r) => r.version),
    )
    .execute();
}

/** The newest published model, without its bytes. */
export async function newestModel(database: Database): Promise<{ version: string; createdAt: string } | null> {
  const r = await database.db.selectFrom('embedder_models').select(['version', 'created_at']).orderBy('created_at', 'desc').limit(1).executeTakeFirst();
  return r ? { version: r.version, createdAt: r.created_at } : null;
}

/** Writes a published model to `file` (a temporary file, then a rename); false when it is gone. */
export async function fetchModel(database: Database, version: string, file: string): Promise<boolean> {
  const r = await database.db.selectFrom('embedder_models').select('model').where('version', '=', version).executeTakeFirst();
  if (!r) return false;
  await writeWhole(file, r.model);
  return true;
}
