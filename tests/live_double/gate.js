// What every request to the registry or the imaging providers behind it must carry, checked
// once and recorded in the request log: the consumer's ODS code, a UUID request id, an
// optional correlation id, and an access token issued by this double's CIS2. Both ids are
// mirrored back on every answer, refusals included.
//
// Sources: NRL consumer API OpenAPI (NHSDigital/nrl-consumer-api, consumer.yaml),
// components.parameters odsCode (NHSD-End-User-Organisation-ODS, required), requestId
// (X-Request-ID, required, pattern of a UUID, "mirrored back in a response header"),
// correlationId (X-Correlation-ID, optional, mirrored back); its "Access Token (JWT)"
// section (a token in the standard Authorization header with every request); RFC 6750 §2.1
// (Authorization: Bearer).
'use strict';

const { bearerToken, sendText } = require('./exchange');

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const ODS = /^[A-Za-z0-9]{3,10}$/;

/**
 * Checks the headers of `req`, records the result in `entry.headers` (never a value, only
 * whether each was present and valid) and returns it with the token's grant.
 */
function inspect(req, cis2, consumerOds) {
  const ods = req.headers['nhsd-end-user-organisation-ods'];
  const requestId = req.headers['x-request-id'];
  const token = bearerToken(req);
  const grant = cis2.introspect(token);
  const headers = {
    ods: ods === undefined ? 'missing' : (ODS.test(ods) ? 'valid' : 'invalid'),
    ods_is_consumer: ods === consumerOds,
    request_id: requestId === undefined ? 'missing' : (UUID.test(requestId) ? 'uuid' : 'not-uuid'),
    correlation_id: req.headers['x-correlation-id'] !== undefined,
    bearer: grant ? 'valid' : (req.headers.authorization === undefined ? 'missing' : 'invalid'),
  };
  return { headers, grant };
}

/** The response headers mirroring the request's ids. */
function mirrored(req) {
  const out = {};
  const requestId = req.headers['x-request-id'];
  const correlationId = req.headers['x-correlation-id'];
  if (typeof requestId === 'string' && requestId.length <= 200) out['X-Request-ID'] = requestId;
  if (typeof correlationId === 'string' && correlationId.length <= 200) {
    out['X-Correlation-ID'] = correlationId;
  }
  return out;
}

/**
 * The checks an imaging provider (report or WADO-RS) makes before answering: marks `entry`
 * as a request to `service` and records its headers, then refuses it (401 without a valid
 * token, 405 for anything but GET). Returns the response headers to mirror, or null when
 * the request was refused and answered.
 */
function admitRead(req, res, entry, service, cis2, consumerOds) {
  entry.service = service;
  const { headers } = inspect(req, cis2, consumerOds);
  entry.headers = headers;
  const echo = mirrored(req);
  if (headers.bearer !== 'valid') {
    entry.outcome = 'no valid token';
    sendText(res, 401, 'A valid access token is required', {
      ...echo, 'WWW-Authenticate': 'Bearer error="invalid_token"',
    });
    return null;
  }
  if (req.method !== 'GET') {
    sendText(res, 405, 'Only GET is supported', echo);
    return null;
  }
  return echo;
}

module.exports = { inspect, mirrored, admitRead, UUID };
