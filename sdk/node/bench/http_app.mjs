// The Express app of bench/http.mjs: GET /me answers the token's sub. MODE=verifier uses
// @jwtd/verifier's middleware (signature cached, claims, freshness and revocation on every
// request); MODE=jose verifies the signature and claims with jose.jwtVerify on every request
// and checks no revocation (the baseline); MODE=none verifies nothing (Express's ceiling). Prints "listening PORT" when ready.
import express from 'express';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { createVerifier, expressMiddleware } from '../src/index.js';

const { MODE, ISSUER, JWTD_URL, FEED_ID, FEED_SECRET } = process.env;
const app = express();
app.disable('x-powered-by');

if (MODE === 'verifier') {
  const verifier = await createVerifier({ issuer: ISSUER, url: JWTD_URL,
    feed: { clientId: FEED_ID, clientSecret: FEED_SECRET } });
  app.use(expressMiddleware(verifier));
} else if (MODE === 'jose') {
  const jwks = createLocalJWKSet(await (await fetch(`${JWTD_URL}/.well-known/jwks.json`)).json());
  app.use((req, res, next) => {
    const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    jwtVerify(m?.[1] ?? '', jwks, { issuer: ISSUER, audience: 'jwtd', typ: 'at+jwt' }).then(({ payload }) => {
      req.auth = payload;
      next();
    }, () => res.status(401).set('www-authenticate', 'Bearer error="invalid_token"').json({ error: 'invalid_token' }));
  });
} else if (MODE === 'none') {
  app.use((req, res, next) => { req.auth = { sub: 'anonymous' }; next(); });  // the ceiling
} else {
  throw new Error(`MODE must be verifier, jose or none, not ${MODE}`);
}
app.get('/me', (req, res) => res.json({ sub: req.auth.sub }));
const server = app.listen(0, '127.0.0.1', () => console.log(`listening ${server.address().port}`));
