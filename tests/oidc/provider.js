// An independent OpenID Connect provider for the sign-in integration tests: starts
// oauth2-mock-server on 127.0.0.1 at a free port, prints "ISSUER <url>" on stdout, and
// shapes its answers like CIS2's: amr, acr and selected_roleid in the ID token, the RBAC
// roles (nhsid_nrbac_roles) from UserInfo only ("Scopes and claims" in CIS2's guidance). OIDC_SCENARIO picks one
// misbehaviour so the viewer's rejections can be tested against code it did not write.
// It stops when its standard input closes or on SIGTERM.
'use strict';
const { randomUUID } = require('node:crypto');
const { OAuth2Server } = require('oauth2-mock-server');

const scenario = process.env.OIDC_SCENARIO || 'happy';
const clientId = process.env.OIDC_CLIENT_ID || 'nir-viewer-test';

const subject = '910000000101';

function cis2Claims(payload) {
  const smartcard = scenario !== 'no-smartcard';
  Object.assign(payload, {
    sub: subject,
    name: 'TEST, Provider User',
    nhsid_useruid: subject,
    amr: smartcard ? ['N3_SMARTCARD'] : ['pwd'],
    acr: smartcard ? 'AAL3_ANY' : 'AAL1_USERPASS',
    selected_roleid: '920000009901',
  });
}

function userinfoClaims() {
  const roleCode = scenario === 'role-not-allowed' ? 'S8002:G8003:R8008' : 'S8000:G8000:R8000';
  const roles = scenario === 'no-roles' ? [] : [
    { person_roleid: '920000009901', role_code: roleCode, role_name: 'Test role', org_code: 'XTR02' },
  ];
  return { sub: subject, name: 'TEST, Provider User', nhsid_useruid: subject, nhsid_nrbac_roles: roles };
}

function corrupt(idToken) {
  const [header, body, signature] = idToken.split('.');
  if (scenario === 'bad-signature') {
    const flipped = (signature[5] === 'A' ? 'B' : 'A');
    return `${header}.${body}.${signature.slice(0, 5)}${flipped}${signature.slice(6)}`;
  }
  if (scenario === 'alg-none') {
    const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    return `${none}.${body}.`;
  }
  return idToken;
}

async function main() {
  const server = new OAuth2Server();
  await server.issuer.keys.generate('RS256');
  await server.start(0, '127.0.0.1');
  // Name the issuer by the address it listens on (the library would say "localhost").
  server.issuer.url = `http://127.0.0.1:${server.address().port}`;
  const now = () => Math.floor(Date.now() / 1000);

  server.service.on('beforeTokenSigning', (token) => {
    cis2Claims(token.payload);
    token.payload.jti = randomUUID();
    const isIdToken = token.payload.aud === clientId;
    if (scenario === 'wrong-audience' && isIdToken) token.payload.aud = 'another-client';
    if (scenario === 'expired') {
      token.payload.iat = now() - 7200;
      token.payload.nbf = now() - 7200;
      token.payload.exp = now() - 3600;
    }
  });
  server.service.on('beforeUserinfo', (response) => {
    if (scenario === 'userinfo-down') {
      response.statusCode = 503;
      response.body = { error: 'temporarily_unavailable' };
      return;
    }
    response.body = userinfoClaims();
  });
  server.service.on('beforeResponse', (response) => {
    if (response.body.id_token) response.body.id_token = corrupt(response.body.id_token);
    if (scenario === 'short-lived') response.body.expires_in = 1;
  });

  const stop = async () => {
    await server.stop().catch(() => {});
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdin.on('end', stop);
  process.stdin.resume();
  process.stdout.write(`ISSUER ${server.issuer.url}\n`);
}

main().catch((error) => {
  process.stderr.write(`provider failed: ${error}\n`);
  process.exit(1);
});
