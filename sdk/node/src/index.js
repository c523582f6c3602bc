// @jwtd/verifier: verify jwtd's access tokens in a Node.js resource server, revocations included.
export { createVerifier } from './create.js';
export { VerificationError, REASONS } from './errors.js';
export { expressMiddleware } from './middleware/express.js';
export { fastifyVerifier, fastifyHook } from './middleware/fastify.js';
