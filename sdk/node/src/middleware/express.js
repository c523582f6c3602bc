// expressMiddleware(verifier, { origin }): sets req.auth to the verified claims, or answers the
// refusal (respond.js). Works with Express 4 and 5 (plain (req, res, next)). With `origin`
// (this server's public scheme://host[:port], or a function of req) it takes DPoP requests too
// (RFC 9449): the proof must name req.method and origin + req.originalUrl; without it, only
// Bearer (a `DPoP` credential then reads as none).
import { credentialOf } from '../request.js';
import { dpopHeaderOf, originOf } from './origin.js';
import { refusal } from './respond.js';

export function expressMiddleware(verifier, { origin } = {}) {
  const originFor = originOf(origin);
  const algs = originFor === null ? null : verifier.dpop?.algs ?? null;
  return function jwtdVerifier(req, res, next) {
    const refuse = (err) => {
      let r;
      try {
        r = refusal(err, algs);
      } catch (bug) {
        return next(bug);
      }
      res.status(r.status).set(r.headers).set('cache-control', 'no-store').json(r.body);
    };
    const credential = credentialOf(req.headers.authorization);
    if (credential === null || (credential.scheme === 'DPoP' && originFor === null)) return refuse(null);
    let decided;
    try {
      decided = credential.scheme === 'Bearer' ? verifier.verify(credential.token)
        : verifier.verifyRequest({ authorization: req.headers.authorization, dpop: dpopHeaderOf(req),
          method: req.method, url: originFor(req) + req.originalUrl });
    } catch (bug) {
      return next(bug);
    }
    decided.then((claims) => {
      req.auth = claims;
      next();
    }, refuse);
  };
}
