// expressMiddleware(verifier): sets req.auth to the verified claims, or answers the refusal
// (respond.js). Works with Express 4 and 5 (plain (req, res, next)).
import { bearerToken, refusal } from './respond.js';

export function expressMiddleware(verifier) {
  return function jwtdVerifier(req, res, next) {
    const token = bearerToken(req.headers.authorization);
    const refuse = (err) => {
      let r;
      try {
        r = refusal(err);
      } catch (bug) {
        return next(bug);
      }
      res.status(r.status).set(r.headers).set('cache-control', 'no-store').json(r.body);
    };
    if (token === null) return refuse(null);
    verifier.verify(token).then((claims) => {
      req.auth = claims;
      next();
    }, refuse);
  };
}
