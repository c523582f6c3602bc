// Types of @jwtd/verifier. See README.md for the semantics.

/** The decision behind a refusal (docs/verifying.md of jwtd). */
export type Reason = 'expired' | 'revoked' | 'invalid' | 'stale';

export declare const REASONS: readonly Reason[];

/**
 * The OAuth error a refusal answers with (RFC 6750 §3.1, RFC 9449 §7.1): `invalid_dpop_proof`
 * for a wrong DPoP proof, `invalid_request` for a request without usable credentials
 * (verifyRequest), `temporarily_unavailable` for `stale`, else `invalid_token`.
 */
export type ErrorCode = 'invalid_token' | 'invalid_dpop_proof' | 'invalid_request' | 'temporarily_unavailable';

/** What verify() and verifyRequest() throw. `detail` names the precise check, for logs only. */
export declare class VerificationError extends Error {
  readonly name: 'VerificationError';
  readonly reason: Reason;
  readonly detail: string;
  readonly errorCode: ErrorCode;
  /** The DPoP rules refused the request (the proof, or the token's binding): a `DPoP` challenge. */
  readonly dpop: boolean;
  /** Seconds to wait (a full DPoP replay cache, a failing replay store); absent otherwise. */
  readonly retryAfter?: number;
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
  /** RFC 9449 §6.1: a DPoP-bound token's confirmation, the thumbprint of the client's key. */
  readonly cnf?: { readonly jkt?: string; readonly [member: string]: unknown };
  readonly [claim: string]: unknown;
}

/** The algorithms a DPoP proof may be signed with (asymmetric only: never none or HS*). */
export type DpopAlg = 'ES256' | 'ES384' | 'ES512' | 'EdDSA' | 'RS256' | 'PS256';

export interface DpopOptions {
  /** Default: the metadata's dpop_signing_alg_values_supported, else ES256 and EdDSA. */
  algs?: DpopAlg[];
  /** A proof older than this (its iat) is stale (default 60 s, as jwtd's dpop.window). */
  windowSeconds?: number;
  /** A proof this far in the future still passes (default 5 s, as jwtd's dpop.skew). */
  skewSeconds?: number;
  /** Proofs remembered against replay for windowSeconds + skewSeconds (default 100000). */
  replayEntries?: number;
  /** Longer proofs are refused before decoding (default 4096). */
  maxProofBytes?: number;
  /**
   * A replay record shared by every process of the service (default none: per process only).
   * Asked only for proofs this process's own cache has not seen.
   */
  replayStore?: ReplayStore | null;
}

/**
 * What a shared DPoP replay store must do (e.g. Redis `SET key 1 NX PX ttl`). Atomic across
 * processes: of all the calls with one key while it is remembered, exactly one gets true.
 */
export interface ReplayStore {
  /**
   * True when `key` is new (it is now recorded), false when it was claimed before. The key must
   * be remembered for at least `ttlSeconds` (windowSeconds + skewSeconds). A throw, a
   * rejection or any other answer refuses the request as 'stale' (503): never accepted
   * unrecorded. `key`: 22 base64url characters (a digest of the proof's jkt and jti).
   */
  claim(key: string, ttlSeconds: number): Promise<boolean> | boolean;
}

/** A request for verifyRequest(). */
export interface RequestCredentials {
  /** The Authorization header: `Bearer <token>` or `DPoP <token>`. */
  authorization?: string;
  /** The DPoP header: its value, or one value per header line (more than one is refused). */
  dpop?: string | readonly string[];
  /** The request's method (htm), e.g. 'GET'. Required with the DPoP scheme. */
  method?: string;
  /**
   * The absolute URL the client addressed (htu): your configured public origin plus the path,
   * never built from the Host header. Required with the DPoP scheme.
   */
  url?: string;
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
  /** DPoP proof checking (verifyRequest and the adapters' `origin`). */
  dpop?: DpopOptions;
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
  /** DPoP proofs remembered against replay; whether a shared store is set, and failing now. */
  dpop: { replayEntries: number; maxReplayEntries: number; replayStore: boolean; replayStoreFailing: boolean };
  closed: boolean;
}

export interface Verifier {
  /**
   * The verified claims of a bearer token, or rejects with a VerificationError. A DPoP-bound
   * token (cnf) is refused here: it is only good with its proof (verifyRequest).
   */
  verify(token: string): Promise<AccessClaims>;
  /**
   * The verified claims for a request, Bearer or DPoP (RFC 9449): the token, then for DPoP
   * its binding to the one proof (key, htm, htu, iat, ath, a jti not used before).
   */
  verifyRequest(request: RequestCredentials): Promise<AccessClaims>;
  /** The DPoP settings in force. */
  readonly dpop: Readonly<Required<Omit<DpopOptions, 'replayStore'>>> & { readonly replayStore: ReplayStore | null };
  status(): VerifierStatus;
  /** Stops following the feed and refreshing keys. */
  close(): Promise<void>;
}

/** Discovers jwtd, loads its keys, pages and follows its revocation feed; resolves once current. */
export declare function createVerifier(options: VerifierOptions): Promise<Verifier>;

export interface AdapterOptions {
  /**
   * This server's public origin (`https://api.example.com`), or a function of the request
   * returning one: with it the adapter takes DPoP requests, the proof's htu being origin + the
   * request's path. Without it, Bearer only. Never taken from the Host header.
   */
  origin?: string | ((req: any) => string);
}

/**
 * Express (4 or 5) middleware: sets req.auth, or answers 401 (RFC 6750; a `DPoP` challenge for
 * DPoP refusals, RFC 9449 §7.1) / 503 (stale).
 */
export declare function expressMiddleware(verifier: Verifier, options?: AdapterOptions):
  (req: any, res: any, next: (err?: unknown) => void) => void;

/** A Fastify onRequest hook: sets request.auth, or answers 401 / 503. */
export declare function fastifyHook(verifier: Verifier, options?: AdapterOptions):
  (request: any, reply: any) => Promise<unknown>;

/** A Fastify plugin adding fastifyHook to every route of the instance it is registered on. */
export declare function fastifyVerifier(fastify: any, options: { verifier: Verifier } & AdapterOptions,
  done: (err?: Error) => void): void;
