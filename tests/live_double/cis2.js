// A CIS2-like OpenID Provider: discovery, JWKS, an authorization endpoint that signs in the
// smartcard test user at once, a token endpoint that authenticates the client by
// private_key_jwt and checks PKCE, refresh, revocation and UserInfo. Access tokens are
// opaque; the registry and the imaging endpoints of this double check them here.
//
// Sources:
// - OpenID Connect Core 1.0: §3.1.2.1 authentication request (scope must hold "openid",
//   response_type=code), §3.1.2.5/§3.1.2.6 redirect with code/state or error, §3.1.3.3 token
//   response, §2 ID token claims (iss, sub, aud, exp, iat, auth_time, nonce, acr, amr, azp),
//   §5.3 UserInfo (GET or POST with the access token as Bearer), §9 client authentication
//   "private_key_jwt" (iss = sub = client_id, aud = the token endpoint, jti, exp), §12
//   refresh; OpenID Connect Discovery 1.0 §3/§4 (issuer + /.well-known/openid-configuration).
// - RFC 7523 §2.2 (client_assertion_type urn:ietf:params:oauth:client-assertion-type:jwt-bearer)
//   and §3 (claims; a jti may be used only once); RFC 7636 §4.6 (S256: BASE64URL(SHA256(verifier))
//   equals the challenge; verifier of 43-128 unreserved characters, §4.1); RFC 8252 §7.3
//   (loopback redirect URIs: any port); RFC 6749 §4.1.2.1 (no redirect for a bad client_id or
//   redirect_uri), §5.2 (error codes); RFC 6750 §3 (WWW-Authenticate on UserInfo); RFC 7009
//   (revocation).
// - NHS CIS2 Authentication developer guidance, digital.nhs.uk "Care Identity Authentication /
//   guidance for developers": "Authorization code flow" (the only flow), "Scopes and claims"
//   (custom-scope claims - nhsperson, nationalrbacaccess -> nhsid_nrbac_roles,
//   associatedorgs - are made available via the UserInfo endpoint, not the ID token), "Role
//   selection" (selected_roleid in the ID token; a smartcard user's Identity Agent selects
//   the role), "ACR and AMR values" (acr AAL3_ANY for smartcard sign-in; amr names the
//   authenticator, N3_SMARTCARD for an HSCN smartcard). Endpoint names follow CIS2's realm
//   layout (/openam/oauth2/realms/root/realms/NHSIdentity/realms/Healthcare: authorize,
//   access_token, userinfo, connect/jwk_uri).
'use strict';

const crypto = require('node:crypto');
const fs = require('node:fs');
const { URL, URLSearchParams } = require('node:url');
const jws = require('./jws');
const { readBody, mediaType, sendJson, sendText, redirect, bearerToken } = require('./exchange');

const REALM = '/openam/oauth2/realms/root/realms/NHSIdentity/realms/Healthcare';
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const CODE_LIFETIME = 60;
const ACCESS_LIFETIME = 600;
const ID_TOKEN_LIFETIME = 300;
/** The longest a client assertion may live: a short-lived JWT, as the guidance asks. */
const ASSERTION_MAX_LIFETIME = 300;
const LEEWAY = 30;
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

/** The one test user: a smartcard user with two RBAC roles, the first selected. */
const TEST_USER = {
  sub: '555000000101',
  uid: '555000000101',
  name: 'TESTER, Imaging Clinician Dr',
  given_name: 'Imaging Clinician',
  family_name: 'TESTER',
  title: 'Dr',
  selected_roleid: '555000000201',
  roles: [
    {
      person_orgid: '555000000301',
      person_roleid: '555000000201',
      org_code: 'X26',
      role_name: '"Clinical":"Clinical Provision":"Clinical Practitioner Access Role"',
      role_code: 'S8000:G8000:R8000',
      activities: ['Receive Self Claimed LR Alerts'],
      activity_codes: ['B0068'],
    },
    {
      person_orgid: '555000000301',
      person_roleid: '555000000202',
      org_code: 'X26',
      role_name: '"Support":"Systems Support":"Systems Support Access Role"',
      role_code: 'S8001:G8005:R8015',
    },
  ],
  orgs: [{ org_code: 'X26', org_name: 'TEST IMAGING CONSUMER TRUST' }],
};

function now() {
  return Math.floor(Date.now() / 1000);
}

function random() {
  return crypto.randomBytes(32).toString('base64url');
}

class Cis2 {
  /**
   * @param {object} options base (https://127.0.0.1:port), clientId, clientJwkPath,
   *   redirectUri (registered, e.g. http://127.0.0.1/callback), log (a RequestLog)
   */
  constructor(options) {
    this.issuer = `${options.base}${REALM}`;
    this.clientId = options.clientId;
    this.clientJwkPath = options.clientJwkPath;
    this.redirect = new URL(options.redirectUri);
    this.signing = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.kid = random().slice(0, 16);
    this.codes = new Map();
    this.access = new Map();
    this.refresh = new Map();
    this.usedJti = new Map();
  }

  handles(path) {
    return path === REALM || path.startsWith(`${REALM}/`);
  }

  /** The access token's grant when it is one this provider issued and still valid. */
  introspect(token) {
    const grant = token ? this.access.get(token) : undefined;
    if (!grant || grant.exp <= now()) return null;
    return grant;
  }

  async handle(req, res, url, entry) {
    const path = url.pathname.slice(REALM.length);
    entry.service = 'cis2';
    if (req.method === 'GET' && path === '/.well-known/openid-configuration') {
      return sendJson(res, 200, this.metadata());
    }
    if (req.method === 'GET' && path === '/connect/jwk_uri') return sendJson(res, 200, this.jwks());
    if (req.method === 'GET' && path === '/authorize') return this.authorize(res, url, entry);
    if (req.method === 'POST' && path === '/access_token') return this.token(req, res, entry);
    if ((req.method === 'GET' || req.method === 'POST') && path === '/userinfo') {
      return this.userinfo(req, res, entry);
    }
    if (req.method === 'POST' && path === '/token/revoke') return this.revoke(req, res, entry);
    return sendText(res, 404, 'not found');
  }

  metadata() {
    return {
      issuer: this.issuer,
      authorization_endpoint: `${this.issuer}/authorize`,
      token_endpoint: `${this.issuer}/access_token`,
      userinfo_endpoint: `${this.issuer}/userinfo`,
      jwks_uri: `${this.issuer}/connect/jwk_uri`,
      revocation_endpoint: `${this.issuer}/token/revoke`,
      scopes_supported: ['openid', 'profile', 'email', 'nhsperson', 'associatedorgs',
        'nationalrbacaccess', 'selectedrole'],
      response_types_supported: ['code'],
      grant_types_supported: ['authorization_code', 'refresh_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: ['RS512'],
      code_challenge_methods_supported: ['S256'],
      acr_values_supported: ['AAL3_ANY', 'AAL2_OR_AAL3_ANY', 'AAL2_ANY'],
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'acr', 'amr',
        'azp', 'selected_roleid', 'name', 'given_name', 'family_name', 'uid', 'nhsid_useruid',
        'nhsid_nrbac_roles', 'nhsid_user_orgs'],
    };
  }

  jwks() {
    const jwk = this.signing.publicKey.export({ format: 'jwk' });
    return { keys: [{ kty: 'RSA', n: jwk.n, e: jwk.e, kid: this.kid, use: 'sig', alg: 'RS256' }] };
  }

  /** Loopback redirect URIs match the registered one except for the port (RFC 8252 §7.3). */
  redirectAllowed(value) {
    let uri;
    try {
      uri = new URL(value);
    } catch {
      return false;
    }
    return uri.protocol === this.redirect.protocol && uri.hostname === this.redirect.hostname
      && uri.pathname === this.redirect.pathname && uri.search === '' && uri.hash === ''
      && uri.username === '' && uri.password === '';
  }

  authorize(res, url, entry) {
    const q = url.searchParams;
    const single = (name) => (q.getAll(name).length === 1 ? q.get(name) : null);
    if (single('client_id') !== this.clientId) {
      entry.outcome = 'unknown client_id';
      return sendText(res, 400, 'Unknown client_id');
    }
    const redirectUri = single('redirect_uri');
    if (!redirectUri || !this.redirectAllowed(redirectUri)) {
      entry.outcome = 'redirect_uri not registered';
      return sendText(res, 400, 'The redirect_uri is not registered for this client');
    }
    const state = single('state');
    const fail = (error, description) => {
      entry.outcome = `${error}: ${description}`;
      const target = new URL(redirectUri);
      target.searchParams.set('error', error);
      target.searchParams.set('error_description', description);
      if (state !== null) target.searchParams.set('state', state);
      return redirect(res, target.toString());
    };
    if (single('response_type') !== 'code') {
      return fail('unsupported_response_type', 'only the authorization code flow is supported');
    }
    const scopes = (single('scope') || '').split(' ').filter(Boolean);
    if (!scopes.includes('openid')) return fail('invalid_scope', 'the openid scope is required');
    if (!state) return fail('invalid_request', 'state is required');
    const challenge = single('code_challenge');
    if (single('code_challenge_method') !== 'S256' || !challenge || !/^[A-Za-z0-9_-]{43}$/.test(challenge)) {
      return fail('invalid_request', 'PKCE with code_challenge_method=S256 is required');
    }
    const code = random();
    this.codes.set(code, {
      redirectUri, challenge, scopes, nonce: single('nonce'), exp: now() + CODE_LIFETIME,
      authTime: now(),
    });
    entry.outcome = 'approved the test user';
    const target = new URL(redirectUri);
    target.searchParams.set('code', code);
    target.searchParams.set('state', state);
    return redirect(res, target.toString());
  }

  /** Reads an application/x-www-form-urlencoded body; null when it is not one. */
  async form(req) {
    if (mediaType(req.headers['content-type']) !== 'application/x-www-form-urlencoded') return null;
    const body = await readBody(req);
    if (body === null) return null;
    const params = new URLSearchParams(body.toString('utf8'));
    for (const key of new Set(params.keys())) {
      if (params.getAll(key).length !== 1) return null;
    }
    return params;
  }

  /**
   * Checks the private_key_jwt client assertion, whose aud must be one of `audiences`;
   * returns null or the reason it fails.
   */
  authenticateClient(form, audiences) {
    if (form.get('client_assertion_type') !== ASSERTION_TYPE) {
      return `client_assertion_type must be ${ASSERTION_TYPE}`;
    }
    let registered;
    try {
      registered = JSON.parse(fs.readFileSync(this.clientJwkPath, 'utf8'));
    } catch {
      return 'no public key is registered for this client';
    }
    let verified;
    try {
      const key = jws.publicKeyFromJwk(registered);
      verified = jws.verify(form.get('client_assertion') || '', key, ['RS512']);
    } catch (error) {
      return `client_assertion: ${error.message}`;
    }
    const { header, payload } = verified;
    if (registered.kid !== undefined && header.kid !== registered.kid) {
      return 'client_assertion: kid does not name the registered key';
    }
    if (payload.iss !== this.clientId || payload.sub !== this.clientId) {
      return 'client_assertion: iss and sub must both be the client_id';
    }
    if (form.has('client_id') && form.get('client_id') !== this.clientId) {
      return 'client_id does not match the assertion';
    }
    const named = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    if (!named.some((aud) => audiences.includes(aud))) {
      return `client_assertion: aud must be ${audiences[0]}`;
    }
    const t = now();
    if (!Number.isInteger(payload.exp) || payload.exp <= t - LEEWAY) {
      return 'client_assertion: exp is missing or in the past';
    }
    if (payload.exp > t + ASSERTION_MAX_LIFETIME + LEEWAY) {
      return 'client_assertion: exp is too far in the future';
    }
    if (payload.iat !== undefined && (!Number.isInteger(payload.iat) || payload.iat > t + LEEWAY)) {
      return 'client_assertion: iat is in the future';
    }
    if (typeof payload.jti !== 'string' || payload.jti.length === 0) {
      return 'client_assertion: jti is required';
    }
    for (const [jti, exp] of this.usedJti) if (exp < t - LEEWAY) this.usedJti.delete(jti);
    if (this.usedJti.has(payload.jti)) return 'client_assertion: this jti was already used';
    this.usedJti.set(payload.jti, payload.exp);
    return null;
  }

  async token(req, res, entry) {
    const form = await this.form(req);
    const error = (status, code, description) => {
      entry.outcome = `${code}: ${description}`;
      return sendJson(res, status, { error: code, error_description: description });
    };
    if (!form) return error(400, 'invalid_request', 'expected one of each form field');
    const clientProblem = this.authenticateClient(form, [`${this.issuer}/access_token`]);
    entry.client_authenticated = clientProblem === null;
    if (clientProblem) return error(401, 'invalid_client', clientProblem);
    const grantType = form.get('grant_type');
    if (grantType === 'authorization_code') return this.codeGrant(form, res, entry, error);
    if (grantType === 'refresh_token') return this.refreshGrant(form, res, entry, error);
    return error(400, 'unsupported_grant_type', 'authorization_code or refresh_token');
  }

  codeGrant(form, res, entry, error) {
    const code = form.get('code') || '';
    const grant = this.codes.get(code);
    this.codes.delete(code);
    if (!grant || grant.exp <= now()) return error(400, 'invalid_grant', 'unknown, used or expired code');
    if (form.get('redirect_uri') !== grant.redirectUri) {
      return error(400, 'invalid_grant', 'redirect_uri differs from the authorization request');
    }
    const verifier = form.get('code_verifier') || '';
    if (!VERIFIER.test(verifier)) return error(400, 'invalid_grant', 'code_verifier is malformed');
    const computed = crypto.createHash('sha256').update(verifier).digest('base64url');
    if (computed !== grant.challenge) return error(400, 'invalid_grant', 'PKCE verification failed');
    entry.pkce = 'verified';
    const tokens = this.issue(grant.scopes, grant.authTime);
    tokens.id_token = this.idToken(grant);
    entry.outcome = 'tokens issued';
    return sendJson(res, 200, tokens);
  }

  refreshGrant(form, res, entry, error) {
    const token = form.get('refresh_token') || '';
    const grant = this.refresh.get(token);
    this.refresh.delete(token);
    if (!grant) return error(400, 'invalid_grant', 'unknown or used refresh token');
    entry.outcome = 'tokens refreshed';
    return sendJson(res, 200, this.issue(grant.scopes, grant.authTime));
  }

  issue(scopes, authTime) {
    const access = random();
    const refresh = random();
    this.access.set(access, { sub: TEST_USER.sub, scopes, exp: now() + ACCESS_LIFETIME });
    this.refresh.set(refresh, { scopes, authTime });
    return {
      access_token: access,
      token_type: 'Bearer',
      expires_in: ACCESS_LIFETIME,
      refresh_token: refresh,
      scope: scopes.join(' '),
    };
  }

  /** The ID token: standard claims, acr/amr and selected_roleid; no RBAC roles (UserInfo has those). */
  idToken(grant) {
    const t = now();
    const claims = {
      iss: this.issuer,
      sub: TEST_USER.sub,
      aud: this.clientId,
      azp: this.clientId,
      exp: t + ID_TOKEN_LIFETIME,
      iat: t,
      auth_time: grant.authTime,
      acr: 'AAL3_ANY',
      amr: ['N3_SMARTCARD'],
      id_assurance_level: 3,
      authentication_assurance_level: 3,
      selected_roleid: TEST_USER.selected_roleid,
    };
    if (grant.nonce !== null) claims.nonce = grant.nonce;
    return jws.sign({ alg: 'RS256', typ: 'JWT', kid: this.kid }, claims, this.signing.privateKey);
  }

  /** UserInfo claims for the scopes granted ("Scopes and claims"). */
  userinfo(req, res, entry) {
    const grant = this.introspect(bearerToken(req));
    entry.bearer = grant ? 'valid' : (req.headers.authorization ? 'invalid' : 'missing');
    if (!grant) {
      return sendJson(res, 401, { error: 'invalid_token' }, 'application/json', {
        'WWW-Authenticate': 'Bearer error="invalid_token"',
      });
    }
    const has = (scope) => grant.scopes.includes(scope);
    const claims = { sub: TEST_USER.sub };
    if (has('profile')) {
      Object.assign(claims, {
        name: TEST_USER.name, given_name: TEST_USER.given_name,
        family_name: TEST_USER.family_name, uid: TEST_USER.uid,
      });
    }
    if (has('nhsperson')) {
      Object.assign(claims, { nhsid_useruid: TEST_USER.uid, title: TEST_USER.title, idassurancelevel: '3' });
    }
    if (has('nationalrbacaccess')) claims.nhsid_nrbac_roles = TEST_USER.roles;
    if (has('associatedorgs')) claims.nhsid_user_orgs = TEST_USER.orgs;
    entry.outcome = `claims: ${Object.keys(claims).join(' ')}`;
    return sendJson(res, 200, claims);
  }

  async revoke(req, res, entry) {
    const form = await this.form(req);
    if (!form) return sendJson(res, 400, { error: 'invalid_request' });
    // RFC 7523 §3: aud identifies the authorization server; the token endpoint URL may name it.
    const problem = this.authenticateClient(form, [
      `${this.issuer}/token/revoke`, `${this.issuer}/access_token`, this.issuer,
    ]);
    entry.client_authenticated = problem === null;
    if (problem) return sendJson(res, 401, { error: 'invalid_client', error_description: problem });
    const token = form.get('token') || '';
    this.access.delete(token);
    this.refresh.delete(token);
    entry.outcome = 'revoked';
    return sendJson(res, 200, {});
  }
}

module.exports = { Cis2, REALM, TEST_USER };
