// Types for jwtd-session.js, the browser session client of jwtd (cookie mode).

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
  accessToken(): string | null;
  subscribe(fn: (event: SessionEvent) => void): () => void;
  login(username: string, password: string, options?: { scope?: string }): Promise<Result>;
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
