/**
 * The part of jose the walkthroughs sign with. Imported lazily (`loadJose` in jwt-assertion.ts),
 * so it loads when a step first signs, not with every walkthrough page (docs/decisions/091); a
 * module of its own so that the bundle keeps only these functions.
 */
export { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, SignJWT } from 'jose'
