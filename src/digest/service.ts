import type { Config } from '../config.js';
import type { Database } from '../storage/database.js';
import { createMailer, type Mailer } from './mailer.js';
import { createLinkSigner, type LinkSigner } from './links.js';
import { resolveSessionSecret } from './secret.js';
import { createDigestSource, type DigestSource } from './sources.js';
import { createSubscriptionStore, type SubscriptionStore } from './subscriptions.js';
import { createDigestSender, manageUrl, readSenderSettings, runDueDigests, type DigestSender, type ForYouPicker, type SenderSettings } from './send.js';

// The digest domain wired from config: what the CLI, the web routes and the scheduler use.

export interface DigestService {
  subscriptions: SubscriptionStore;
  links: LinkSigner;
  sender: DigestSender;
  settings: SenderSettings;
  mailer: Mailer;
  secret: string;
  /** handle a subscribe request: mail the confirmation link (or, if subscribed, the manage link) */
  requestSubscription(email: string): Promise<void>;
  /** the scheduler hook; see runDueDigests */
  runDue(now?: Date): ReturnType<typeof runDueDigests>;
  close(): void;
}

export function confirmUrl(baseUrl: string, token: string): string {
  return `${baseUrl}/subscribe/confirm/${token}`;
}

export function createDigestService(
  config: Config,
  database: Database,
  options: { source?: DigestSource; mailer?: Mailer; log?: (line: string) => void; forYou?: ForYouPicker; following?: ForYouPicker } = {},
): DigestService {
  const settings = readSenderSettings(config);
  const secret = resolveSessionSecret(config);
  const links = createLinkSigner(secret);
  const subscriptions = createSubscriptionStore(database);
  const mailer =
    options.mailer ?? createMailer({ smtpUrl: config.smtpUrl, from: config.mailFrom, dataDir: config.dataDir, pool: settings.concurrency, log: options.log });
  const sender = createDigestSender({
    database,
    subscriptions,
    source: options.source ?? createDigestSource(database),
    mailer,
    links,
    settings,
    log: options.log,
    forYou: options.forYou,
    following: options.following,
  });
  return {
    subscriptions,
    links,
    sender,
    settings,
    mailer,
    secret,
    async requestSubscription(email) {
      const outcome = await subscriptions.request(email);
      if (outcome.kind === 'confirm') {
        const url = confirmUrl(settings.baseUrl, outcome.token);
        await mailer.send({
          to: email,
          subject: 'Confirm your Paperboy digest subscription',
          text: `Someone, hopefully you, asked for Paperboy's trending papers digest at this address.\n\nTo start receiving it, open this link within 48 hours and press "Confirm":\n${url}\n\nIf this was not you, ignore this email: nothing will be sent.\n`,
        });
      } else if (outcome.kind === 'already') {
        const url = manageUrl(settings.baseUrl, links.sign('manage', outcome.subscriber.id, outcome.subscriber.email));
        await mailer.send({
          to: email,
          subject: 'Your Paperboy digest subscription',
          text: `Someone asked to subscribe this address to Paperboy's digest, and it is already subscribed. Nothing has changed.\n\nTo change frequency or topics, pause or unsubscribe:\n${url}\n`,
        });
      }
    },
    runDue(now) {
      return runDueDigests(sender, settings, now);
    },
    close() {
      mailer.close();
    },
  };
}
