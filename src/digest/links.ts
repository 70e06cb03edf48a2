import { deriveKey, hmac } from './secret.js';
import { sameSecret } from '../community/tokens.js';

// Signed links in every digest: the manage page and the one-click unsubscribe. A link names one
// subscriber and carries an HMAC over its id, address and purpose, so it cannot be edited to
// reach another subscriber, and it stops working if the address on file changes.

export type LinkPurpose = 'manage' | 'unsubscribe';

export interface LinkSigner {
  sign(purpose: LinkPurpose, subscriberId: string, email: string): string;
  /** the subscriber id the token names, if its signature matches that subscriber's address */
  parse(token: string): { subscriberId: string; mac: string } | null;
  verify(purpose: LinkPurpose, token: string, email: string): boolean;
}

export function createLinkSigner(secret: string): LinkSigner {
  const key = deriveKey(secret, 'digest-links');
  const mac = (purpose: string, id: string, email: string) => hmac(key, `${purpose}\n${id}\n${email.toLowerCase()}`);
  return {
    sign(purpose, subscriberId, email) {
      return `${subscriberId}.${mac(purpose, subscriberId, email)}`;
    },
    parse(token) {
      const m = /^([A-Za-z0-9_-]{8,64})\.([A-Za-z0-9_-]{43})$/.exec(token);
      return m ? { subscriberId: m[1], mac: m[2] } : null;
    },
    verify(purpose, token, email) {
      const p = this.parse(token);
      return !!p && sameSecret(p.mac, mac(purpose, p.subscriberId, email));
    },
  };
}
