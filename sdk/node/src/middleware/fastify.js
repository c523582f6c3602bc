// Fastify: fastifyHook(verifier, { origin }) is an onRequest hook (route-level or addHook);
// fastifyVerifier is a plugin that adds it to every route of the instance it is registered on,
// the parent included (it skips Fastify's encapsulation, as fastify-plugin does, without that
// dependency). Both set request.auth to the verified claims or answer the refusal
// (respond.js). With `origin` they take DPoP requests too, as expressMiddleware does, the proof
// naming request.method and origin + request.url.
import { credentialOf } from '../request.js';
import { dpopHeaderOf, originOf } from './origin.js';
import { refusal } from './respond.js';

function send(reply, r) {
  return reply.code(r.status).headers(r.headers).header('cache-control', 'no-store').send(r.body);
}

export function fastifyHook(verifier, { origin } = {}) {
  const originFor = originOf(origin);
  const algs = originFor === null ? null : verifier.dpop?.algs ?? null;
  return async function jwtdVerifier(request, reply) {
    const authorization = request.headers.authorization;
    const credential = credentialOf(authorization);
    if (credential === null || (credential.scheme === 'DPoP' && originFor === null)) {
      return send(reply, refusal(null, algs));
    }
    let claims;
    try {
      claims = credential.scheme === 'Bearer' ? await verifier.verify(credential.token)
        : await verifier.verifyRequest({ authorization, dpop: dpopHeaderOf(request.raw),
          method: request.method, url: originFor(request) + request.url });
    } catch (err) {
      return send(reply, refusal(err, algs));  // refusal() rethrows what is not a verdict: a 500
    }
    request.auth = claims;
  };
}

export function fastifyVerifier(fastify, { verifier, origin }, done) {
  fastify.decorateRequest('auth', null);
  fastify.addHook('onRequest', fastifyHook(verifier, { origin }));
  done();
}
fastifyVerifier[Symbol.for('skip-override')] = true;
fastifyVerifier[Symbol.for('fastify.display-name')] = '@jwtd/verifier';
