import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../deps.js';
import { exportMember } from '../../community/export.js';

// GET /account/export: everything Paperboy keeps of the signed-in member, as one JSON download:
// the community's part, their For-you signals (saves, dismissals, imports, with upvotes), their
// collections with their notes and read marks, and their
// digest subscription if their address has one. Only ever the member's own.

export function registerAccountExport(app: FastifyInstance, deps: AppDeps) {
  const { database, recommend, digests } = deps;
  app.get('/account/export', async (req, reply) => {
    const user = req.user;
    if (!user) return reply.redirect('/signin?next=%2Faccount%2Fexport', 303);
    const community = await exportMember(database, user.id);
    const subscriber = await digests.subscriptions.getByEmail(user.email);
    const topics = subscriber ? ((await digests.subscriptions.topicsFor([subscriber.id])).get(subscriber.id) ?? []) : [];
    const signals = await recommend.exportSignals(user.id);
    const collections = await Promise.all(
      (await recommend.collections.mine(user.id)).map(async (c) => ({
        name: c.name,
        slug: c.slug,
        public: c.public,
        saved: c.saved,
        createdAt: c.createdAt,
        updatedAt: c.updatedAt,
        papers: (await recommend.collections.items(c)).map((it) => ({
          paperId: it.paper.id,
          note: it.note,
          read: it.readAt !== null,
          readAt: it.readAt,
          versionAdded: it.versionAdded,
          addedAt: it.addedAt,
        })),
      })),
    );
    const body = {
      exportedAt: new Date().toISOString(),
      ...community,
      forYou: {
        saved: signals.filter((s) => s.kind === 'save').map((s) => ({ paperId: s.paperId, createdAt: s.createdAt })),
        dismissed: signals.filter((s) => s.kind === 'dismiss').map((s) => ({ paperId: s.paperId, createdAt: s.createdAt })),
        imported: signals.filter((s) => s.kind === 'import').map((s) => ({ paperId: s.paperId, createdAt: s.createdAt })),
      },
      collections,
      digest: subscriber
        ? {
            email: subscriber.email,
            status: subscriber.status,
            frequency: subscriber.frequency,
            weekday: subscriber.weekday,
            trendingCount: subscriber.trendingCount,
            forYouCount: subscriber.forYouCount,
            createdAt: subscriber.createdAt,
            confirmedAt: subscriber.confirmedAt,
            topics: topics.map((t) => ({ query: t.query, categories: t.categories })),
          }
        : null,
    };
    return reply
      .type('application/json; charset=utf-8')
      .header('Content-Disposition', `attachment; filename="paperboy-${user.username}.json"`)
      .send(JSON.stringify(body, null, 2));
  });
}
