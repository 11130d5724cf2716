// HTTP plumbing shared by the double's services: a bounded request body reader and the
// few ways of answering (JSON, redirect, plain text, raw bytes).
//
// Sources: RFC 9110 (HTTP semantics) §8.3 Content-Type, §15.4.3 302 Found and §10.2.2
// Location; RFC 6749 §5.1 (token responses are not cached: Cache-Control: no-store).
'use strict';

/** The largest request body any endpoint of the double reads. */
const MAX_BODY = 64 * 1024;

/** Reads the body up to MAX_BODY bytes; resolves to a Buffer, or null when it is larger. */
function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        over = true;
        chunks.length = 0;
        return;
      }
      if (!over) chunks.push(chunk);
    });
    req.on('end', () => resolve(over ? null : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The media type of a Content-Type header without its parameters, lower-cased. */
function mediaType(value) {
  return String(value || '').split(';')[0].trim().toLowerCase();
}

function sendJson(res, status, body, contentType = 'application/json', headers = {}) {
  const bytes = Buffer.from(JSON.stringify(body));
  res.writeHead(status, {
    'Content-Type': contentType,
    'Content-Length': bytes.length,
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(bytes);
}

function sendBytes(res, status, contentType, bytes, headers = {}) {
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': bytes.length, ...headers });
  res.end(bytes);
}

function sendText(res, status, text, headers = {}) {
  sendBytes(res, status, 'text/plain; charset=utf-8', Buffer.from(`${text}\n`), headers);
}

function redirect(res, location) {
  res.writeHead(302, { Location: location, 'Cache-Control': 'no-store', 'Content-Length': 0 });
  res.end();
}

/** The bearer token of an Authorization header (RFC 6750 §2.1), or null. */
function bearerToken(req) {
  const match = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/.exec(req.headers.authorization || '');
  return match ? match[1] : null;
}

module.exports = { readBody, mediaType, sendJson, sendBytes, sendText, redirect, bearerToken, MAX_BODY };
