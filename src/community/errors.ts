/**
 * A rule the member broke, with the message to show them and the HTTP status it maps to.
 * Messages start with "community:" like every error of this module.
 */
export class CommunityError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 422 | 429 | 503,
    message: string,
    /** when to try again (sent as Retry-After), for a 429 or 503 */
    readonly retryAfterSeconds?: number,
  ) {
    super(`community: ${message}`);
  }
  /** read by Fastify's error handler, so a rule broken in a handler answers with its status */
  get statusCode(): number {
    return this.status;
  }
  /** the message without the module prefix, for people */
  get userMessage(): string {
    return this.message.replace(/^community: /, '');
  }
}
