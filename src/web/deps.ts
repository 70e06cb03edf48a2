import type { Config } from '../config.js';
import type { Database } from '../storage/database.js';
import type { PaperStore } from '../papers/store.js';
import type { SearchService } from '../search/service.js';
import type { Community } from '../community/community.js';
import type { Mailer } from '../digest/mailer.js';

// What request handlers use, apart from app.ts so that no handler imports the module that
// registers it (the 39-file import cycle of src/web/).

/** What buildApp takes: main.ts passes everything; tests may leave the optional parts out. */
export interface AppInput {
  config: Config;
  database: Database;
  papers: PaperStore;
  /** lexical-only search when left out */
  search?: SearchService;
  /** built from config when left out (tests); see src/web/session.ts */
  community?: Community;
  mailer?: Mailer;
  sessionSecret?: string;
}

/** What request handlers may use. */
export type AppDeps = AppInput & { search: SearchService };
