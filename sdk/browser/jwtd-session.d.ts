// Types for jwtd-session.js, the browser session client of jwtd (cookie mode, optionally DPoP).

export interface Result {
  ok: boolean;
  /** HTTP status; 0 when no request was answered (network error, or decided in the browser). */
  status: number;
  data: unknown;
  error: string | null;
  description: string;
  /** jwtd's machine-readable reason on refusals: "expired" | "revoked" | "invalid". */
  reason: string | null;
}

export interface SessionOptions {
  /** Where jwtd answers; '' (default) is this page's origin. */
  baseUrl?: string;
  /** Origins fetch() may send the access token to; default: baseUrl's origin. */
  apiOrigins?: string[];
  credentials?: RequestCredentials;
  /** Fraction of the access token's lifetime after which it is refreshed (0.8). */
  refreshAt?: number;
  lockName?: string;
  channelName?: string;
  /** How long a tab waits for another tab's refresh before taking the lock from it (5000). */
  lockTimeoutMs?: number;
  adoptWaitMs?: number;
  peerWaitMs?: number;
  retryMs?: number;
  /**
   * DPoP (RFC 9449): `true` binds every login to this origin's key pair (ECDSA P-256, private key
   * not extractable, kept in IndexedDB and shared by every tab) and signs a proof for every login,
   * refresh and fetch(); `'auto'` does so when jwtd's metadata lists ES256 in
   * `dpop_signing_alg_values_supported` and the browser has WebCrypto and IndexedDB. Default false.
   */
  dpop?: boolean | 'auto';
  /** The key pair's name in IndexedDB (database `jwtd-session`, store `dpop-keys`). 'jwtd-dpop'. */
  dpopKeyName?: string;
}

export type SessionEvent =
  | { type: 'signed-in' | 'refreshed'; signedIn: boolean; result: Result }
  | { type: 'adopted'; signedIn: boolean }
  | {
      type: 'signed-out';
      signedIn: boolean;
      cause: 'logout' | 'other-tab' | 'revoked' | 'refresh-refused' | 'no-session' | 'forgotten';
      result: Result | null;
    };

export class JwtdSession {
  constructor(options?: SessionOptions);
  readonly signedIn: boolean;
  /** Epoch milliseconds, or null when signed out. */
  readonly expiresAt: number | null;
  readonly refreshAt: number | null;
  /** 'DPoP' when the access token is bound to this origin's key, 'Bearer', null when signed out. */
  readonly tokenType: 'DPoP' | 'Bearer' | null;
  accessToken(): string | null;
  /** RFC 7638 thumbprint of this origin's DPoP key (a bound token's cnf.jkt); null without `dpop`. */
  dpopThumbprint(): Promise<string | null>;
  /**
   * A proof for a request the app sends itself with `Authorization: DPoP <accessToken()>`; null
   * when the token is not bound. One per request.
   */
  dpopProof(method: string, url: string | URL): Promise<string | null>;
  subscribe(fn: (event: SessionEvent) => void): () => void;
  /** `dpop: false` signs this login in without a proof (a bearer session) on a `dpop` session. */
  login(username: string, password: string, options?: { scope?: string; dpop?: boolean }): Promise<Result>;
  /** null when there is no session cookie to resume from. */
  resume(): Promise<Result | null>;
  refresh(): Promise<Result>;
  fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>;
  logout(): Promise<Result>;
  forget(): void;
  close(): void;
}

export function createSession(options?: SessionOptions): JwtdSession;
export function csrfCookie(): string | null;
export function readResult(res: Response): Promise<Result>;

export interface DpopProofClaims {
  /** The request's method. */
  htm: string;
  /** The request's URL; query and fragment are dropped. */
  htu: string;
  /** Adds `ath`, the hash of the access token sent with the proof. */
  accessToken?: string;
  /** The server's DPoP-Nonce. */
  nonce?: string;
  /** The public JWK to put in the header; exported from keyPair.publicKey when absent. */
  jwk?: JsonWebKey;
}
/** A DPoP proof (typ dpop+jwt, ES256) signed with an ECDSA P-256 key pair. */
export function dpopProof(keyPair: CryptoKeyPair, claims: DpopProofClaims): Promise<string>;
/** RFC 7638 SHA-256 thumbprint of an EC public JWK. */
export function jwkThumbprint(jwk: JsonWebKey): Promise<string>;
