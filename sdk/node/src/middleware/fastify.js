// Fastify: fastifyHook(verifier) is an onRequest hook (route-level or addHook); fastifyVerifier
// is a plugin that adds it to every route of the instance it is registered on, the parent
// included (it skips Fastify's encapsulation, as fastify-plugin does, without that dependency).
// Both set request.auth to the verified claims or answer the refusal (respond.js).
import { bearerToken, refusal } from './respond.js';

function send(reply, r) {
  return reply.code(r.status).headers(r.headers).header('cache-control', 'no-store').send(r.body);
}

export function fastifyHook(verifier) {
  return async function jwtdVerifier(request, reply) {
    const token = bearerToken(request.headers.authorization);
    if (token === null) return send(reply, refusal(null));
    let claims;
    try {
      claims = await verifier.verify(token);
    } catch (err) {
      return send(reply, refusal(err));  // refusal() rethrows what is not a verdict: a 500
    }
    request.auth = claims;
  };
}

export function fastifyVerifier(fastify, { verifier }, done) {
  fastify.decorateRequest('auth', null);
  fastify.addHook('onRequest', fastifyHook(verifier));
  done();
}
fastifyVerifier[Symbol.for('skip-override')] = true;
fastifyVerifier[Symbol.for('fastify.display-name')] = '@jwtd/verifier';
