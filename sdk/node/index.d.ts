// Types of @jwtd/verifier. See README.md for the semantics.

/** The decision behind a refusal (docs/verifying.md of jwtd). */
export type Reason = 'expired' | 'revoked' | 'invalid' | 'stale';

export declare const REASONS: readonly Reason[];

/** What verify() throws. `detail` names the precise check, for logs only. */
export declare class VerificationError extends Error {
  readonly name: 'VerificationError';
  readonly reason: Reason;
  readonly detail: string;
}

/** The claims of a verified jwtd access token (frozen; shared between callers). */
export interface AccessClaims {
  readonly iss: string;
  readonly sub: string;
  readonly aud: string | readonly string[];
  readonly exp: number;
  readonly iat: number;
  readonly nbf?: number;
  readonly jti: string;
  readonly sid: string;
  readonly ver: number;
  readonly client_id?: string;
  readonly scope?: string;
  readonly [claim: string]: unknown;
}

export interface Clock {
  /** Wall-clock time in milliseconds since the Unix epoch (exp, nbf, iat). */
  now(): number;
  /** A monotonic time in milliseconds (staleness). */
  monotonic(): number;
}

export interface Logger {
  warn(message: string): void;
  info?(message: string): void;
}

export interface VerifierOptions {
  /** jwtd's issuer: the `iss` required in tokens and the metadata's `issuer`. */
  issuer: string;
  /** A feed client of jwtd (`feed.clients`), sent as HTTP Basic to the feed only. */
  feed: { clientId: string; clientSecret: string };
  /** Where to reach jwtd, when not at the issuer URL (default: issuer). */
  url?: string;
  /** The `aud` to require (default: the metadata's access_token_audience). */
  audience?: string;
  /** Refuse with 'stale' once the view is older than this (default 1000 ms). */
  staleAfterMs?: number;
  /** Accept on a stale view instead of refusing (default false). Logged and shown in status(). */
  failOpen?: boolean;
  /** Verified tokens kept to skip the signature (default 10000; 0 disables). */
  cacheEntries?: number;
  /** Minimum interval between JWKS refetches for an unknown kid (default 30000 ms). */
  jwksCooldownMs?: number;
  /** Background JWKS refresh interval (default 300000 ms; 0 disables). */
  jwksRefreshMs?: number;
  /** Timeout of each HTTP exchange with jwtd (default 5000 ms). */
  timeoutMs?: number;
  /** How long createVerifier() waits for a current view (default 10000 ms). */
  startTimeoutMs?: number;
  /** Tokens longer than this are refused before decoding (default 8192). */
  maxTokenBytes?: number;
  /** Time source (default Date.now and performance.now). */
  clock?: Clock;
  /** Where warnings go (default console.warn); null for silence. Never receives tokens or secrets. */
  logger?: Logger | null;
}

export interface VerifierStatus {
  /** The view is within staleAfterMs. */
  current: boolean;
  /** Milliseconds since the view was proven current; null before the first proof. */
  ageMs: number | null;
  staleAfterMs: number;
  failOpen: boolean;
  /** failOpen is set and the view is stale right now: revoked tokens may pass. */
  failingOpen: boolean;
  /** The feed position the view holds (the last seq applied or confirmed). */
  cursor: number;
  /** The event stream is open. */
  connected: boolean;
  entries: { jti: number; session: number; user_version: number; key: number };
  counters: { pages: number; streams: number; heartbeats: number; revocations: number;
    repages: number; behind: number; resets: number };
  /** The last feed error, until the stream is current again. */
  lastError: string | null;
  /** The kids of the keys held. */
  keys: string[];
  cache: { entries: number; maxEntries: number };
  closed: boolean;
}

export interface Verifier {
  /** The verified claims, or rejects with a VerificationError. */
  verify(token: string): Promise<AccessClaims>;
  status(): VerifierStatus;
  /** Stops following the feed and refreshing keys. */
  close(): Promise<void>;
}

/** Discovers jwtd, loads its keys, pages and follows its revocation feed; resolves once current. */
export declare function createVerifier(options: VerifierOptions): Promise<Verifier>;

/** Express (4 or 5) middleware: sets req.auth, or answers 401 (RFC 6750) / 503 (stale). */
export declare function expressMiddleware(verifier: Verifier):
  (req: any, res: any, next: (err?: unknown) => void) => void;

/** A Fastify onRequest hook: sets request.auth, or answers 401 / 503. */
export declare function fastifyHook(verifier: Verifier):
  (request: any, reply: any) => Promise<unknown>;

/** A Fastify plugin adding fastifyHook to every route of the instance it is registered on. */
export declare function fastifyVerifier(fastify: any, options: { verifier: Verifier },
  done: (err?: Error) => void): void;
