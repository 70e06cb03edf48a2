import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import type { Database } from '../storage/database.js';
import { isDate, localDateHour, type Frequency } from './period.js';
import { createDigestService } from './service.js';
import { normaliseEmail } from './subscriptions.js';
import type { ForYouPicker } from './send.js';

// `paperboy digest send|preview`: the one-shot forms of the scheduler's digest job.

export async function digestCommand(
  sub: string | undefined,
  values: Record<string, unknown>,
  config: Config,
  database: Database,
  forYou?: ForYouPicker,
  following?: ForYouPicker,
): Promise<number> {
  const log = (line: string) => console.error(line);
  const date = values.date === undefined ? localDateHour(new Date(), config.feedTimezone).date : String(values.date);
  if (!isDate(date)) throw new DigestUsageError('--date must be YYYY-MM-DD');
  const to = values.to === undefined ? undefined : normaliseEmail(values.to);
  if (to === null) throw new DigestUsageError('--to must be an email address');
  if (sub === 'send') {
    const f = values.frequency as string | undefined;
    if (f !== undefined && f !== 'daily' && f !== 'weekly') throw new DigestUsageError('--frequency must be daily or weekly');
    const service = createDigestService(config, database, { log, forYou, following });
    try {
      const report = await service.sender.send({ sendDate: date, frequencies: f ? [f as Frequency] : undefined, dryRun: Boolean(values['dry-run']), to });
      for (const line of report.plan) console.log(line);
      if (!report.periods.length) console.log(`digest: no digest is due on ${date}`);
      console.log(
        `digest: ${values['dry-run'] ? 'dry run, nothing sent; ' : ''}periods ${report.periods.join(', ') || 'none'}: sent ${report.sent}, empty ${report.empty}, already done ${report.skipped}, deferred ${report.deferred}, failed ${report.failed}`,
      );
      return report.deferred || report.failed ? 3 : 0;
    } finally {
      service.close();
    }
  }
  if (sub === 'preview') {
    if (!to) throw new DigestUsageError('preview needs --to EMAIL');
    const service = createDigestService(config, database, { log, forYou, following });
    try {
      const p = await service.sender.preview(to, date);
      const dir = path.resolve(config.dataDir, 'previews');
      fs.mkdirSync(dir, { recursive: true });
      const file = path.join(dir, `digest-${p.subscriber.id}-${p.period.key.replace(/[^a-zA-Z0-9-]+/g, '_')}.html`);
      fs.writeFileSync(file, p.rendered.html);
      console.error(
        `digest: ${p.period.key}, ${p.content.paperIds.length} papers${p.content.paperIds.length ? '' : ' (empty: this digest would not be sent)'}; subject: ${p.rendered.subject}`,
      );
      console.log(file);
      return 0;
    } finally {
      service.close();
    }
  }
  throw new DigestUsageError('say `digest send` or `digest preview`');
}

export class DigestUsageError extends Error {}
