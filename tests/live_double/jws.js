// Compact JSON Web Signatures for the live double: signing and verifying JWTs with
// RSASSA-PKCS1-v1_5 over SHA-256 or SHA-512, nothing else.
//
// Sources: RFC 7515 (JWS) §3.1 compact serialisation and §5.2 validation; RFC 7518 (JWA)
// §3.1 and §3.3 for "RS256"/"RS512" (and "none" is never accepted, §3.6); RFC 7519 (JWT)
// §7.2 validation; RFC 7517 (JWK) §4 and RFC 7518 §6.3.1 for RSA public keys ("n", "e").
'use strict';

const crypto = require('node:crypto');

/** The JWA names this double accepts, mapped to their hash (RFC 7518 §3.1). */
const HASHES = { RS256: 'sha256', RS512: 'sha512' };

const SEGMENT = /^[A-Za-z0-9_-]*$/;

function b64url(data) {
  return Buffer.from(data).toString('base64url');
}

/** Decodes one base64url segment, refusing any character outside the alphabet. */
function segment(text, what) {
  if (typeof text !== 'string' || !SEGMENT.test(text)) {
    throw new Error(`${what} is not base64url`);
  }
  return Buffer.from(text, 'base64url');
}

function json(buffer, what) {
  let value;
  try {
    value = JSON.parse(buffer.toString('utf8'));
  } catch {
    throw new Error(`${what} is not JSON`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`${what} is not a JSON object`);
  }
  return value;
}

/** Signs `payload` as a compact JWS with `privateKey` (a KeyObject) and `header.alg`. */
function sign(header, payload, privateKey) {
  const hash = HASHES[header.alg];
  if (!hash) throw new Error(`cannot sign with ${header.alg}`);
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  const signature = crypto.sign(hash, Buffer.from(input), privateKey);
  return `${input}.${b64url(signature)}`;
}

/** Splits a compact JWS into its parsed header and payload without checking anything. */
function decode(token) {
  if (typeof token !== 'string' || token.length > 16384) throw new Error('not a JWT');
  const parts = token.split('.');
  if (parts.length !== 3) throw new Error('a JWS has three parts');
  const header = json(segment(parts[0], 'the JOSE header'), 'the JOSE header');
  const payload = json(segment(parts[1], 'the payload'), 'the payload');
  const signature = segment(parts[2], 'the signature');
  return { header, payload, signature, input: `${parts[0]}.${parts[1]}` };
}

/**
 * Verifies `token` against `publicKey` (a KeyObject) allowing only `algorithms`; returns
 * `{ header, payload }` or throws with the reason.
 */
function verify(token, publicKey, algorithms) {
  const { header, payload, signature, input } = decode(token);
  if (!algorithms.includes(header.alg) || !HASHES[header.alg]) {
    throw new Error(`alg ${JSON.stringify(header.alg)} is not one of ${algorithms.join(', ')}`);
  }
  if (header.crit !== undefined) throw new Error('no critical header parameter is understood');
  const ok = crypto.verify(HASHES[header.alg], Buffer.from(input), publicKey, signature);
  if (!ok) throw new Error('the signature does not verify');
  return { header, payload };
}

/** A public KeyObject from an RSA JWK (RFC 7517 / RFC 7518 §6.3.1), private members refused. */
function publicKeyFromJwk(jwk) {
  if (!jwk || jwk.kty !== 'RSA' || typeof jwk.n !== 'string' || typeof jwk.e !== 'string') {
    throw new Error('the registered key is not an RSA JWK');
  }
  if (jwk.d !== undefined) throw new Error('the registered key holds a private member');
  return crypto.createPublicKey({ key: { kty: 'RSA', n: jwk.n, e: jwk.e }, format: 'jwk' });
}

module.exports = { sign, decode, verify, publicKeyFromJwk, b64url };
