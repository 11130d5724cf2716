// A WADO-RS origin server for one real DICOM instance (read from the shared decode corpus
// and given the test patient's NHS number at start): study, series and instance metadata
// as DICOM JSON, the instance as a multipart/related DICOM payload, its bulk data and its
// frame. Every request needs the access token of this double's CIS2.
//
// Sources: DICOM PS3.18 (Web Services): §10.4 Retrieve Transaction resources
// (/studies/{study}[/series/{series}[/instances/{instance}]], .../metadata, .../frames/{n},
// bulk data URIs); §8.7.3 Acceptable media types (multipart/related; type="application/dicom",
// the transfer-syntax parameter: absent means Explicit VR Little Endian 1.2.840.10008.1.2.1,
// "*" lets the origin server choose; a request it cannot satisfy is 406 Not Acceptable);
// §8.7.3.4 transfer syntax of each part; Annex F (DICOM JSON Model: application/dicom+json,
// BulkDataURI). RFC 2387 (multipart/related) and RFC 2046 §5.1.1 (boundary delimiters,
// CRLF). The metadata itself is derived from the file by dicom_instance.py (pydicom).
'use strict';

const crypto = require('node:crypto');
const { sendJson, sendBytes, sendText } = require('./exchange');
const { admitRead } = require('./gate');

const BASE_PATH = '/wado-rs';
const EXPLICIT_LE = '1.2.840.10008.1.2.1';

/** Splits an Accept header into media ranges with lower-cased type and unquoted parameters. */
function mediaRanges(accept) {
  return String(accept || '*/*').split(',').map((range) => {
    const [type, ...rest] = range.split(';');
    const params = {};
    for (const item of rest) {
      const eq = item.indexOf('=');
      if (eq < 0) continue;
      const name = item.slice(0, eq).trim().toLowerCase();
      params[name] = item.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
    }
    return { type: type.trim().toLowerCase(), params };
  });
}

/** Whether some range accepts a multipart payload of `partType` in the file's transfer syntax. */
function acceptsMultipart(accept, partType, transferSyntax) {
  return mediaRanges(accept).some(({ type, params }) => {
    if (type === '*/*') return true;
    if (type !== 'multipart/related' && type !== 'multipart/*') return false;
    if ((params.type || partType).toLowerCase() !== partType) return false;
    const wanted = params['transfer-syntax'];
    if (wanted === undefined) return transferSyntax === EXPLICIT_LE;
    return wanted === '*' || wanted === transferSyntax;
  });
}

function acceptsJson(accept) {
  return mediaRanges(accept).some(({ type }) => ['*/*', 'application/*', 'application/dicom+json',
    'application/json'].includes(type));
}

/** A multipart/related body of one part (RFC 2387); the boundary never occurs in the part. */
function multipart(partType, bytes, partHeaders = {}) {
  let boundary;
  do {
    boundary = crypto.randomBytes(18).toString('hex');
  } while (bytes.includes(Buffer.from(boundary)));
  const head = [`--${boundary}`, `Content-Type: ${partType}`, `Content-Length: ${bytes.length}`,
    ...Object.entries(partHeaders).map(([k, v]) => `${k}: ${v}`), '', ''].join('\r\n');
  return {
    boundary,
    body: Buffer.concat([Buffer.from(head), bytes, Buffer.from(`\r\n--${boundary}--\r\n`)]),
  };
}

class Wado {
  /**
   * @param {object} options base, cis2, consumerOds, instance ({ summary, metadata, file,
   *   bulk: Map tag -> Buffer }) from dicom_instance.py
   */
  constructor(options) {
    this.cis2 = options.cis2;
    this.consumerOds = options.consumerOds;
    this.instance = options.instance;
  }

  handles(path) {
    return path.startsWith(`${BASE_PATH}/`);
  }

  handle(req, res, url, entry) {
    const echo = admitRead(req, res, entry, 'wado', this.cis2, this.consumerOds);
    if (echo === null) return undefined;
    const { summary } = this.instance;
    const parts = url.pathname.slice(BASE_PATH.length + 1).split('/');
    const path = { study: null, series: null, instance: null, rest: [] };
    if (parts[0] !== 'studies' || !parts[1]) return this.notFound(res, entry, echo);
    path.study = parts[1];
    let i = 2;
    if (parts[i] === 'series' && parts[i + 1]) { path.series = parts[i + 1]; i += 2; }
    if (path.series && parts[i] === 'instances' && parts[i + 1]) { path.instance = parts[i + 1]; i += 2; }
    path.rest = parts.slice(i);
    if (path.study !== summary.study_uid
      || (path.series !== null && path.series !== summary.series_uid)
      || (path.instance !== null && path.instance !== summary.sop_uid)) {
      return this.notFound(res, entry, echo);
    }
    const accept = req.headers.accept;
    if (path.rest.length === 1 && path.rest[0] === 'metadata') {
      entry.route = 'metadata';
      if (!acceptsJson(accept)) return this.notAcceptable(res, entry, echo);
      entry.outcome = 'metadata';
      return sendJson(res, 200, [this.instance.metadata], 'application/dicom+json', echo);
    }
    if (path.rest.length === 0) {
      entry.route = `retrieve ${path.instance ? 'instance' : path.series ? 'series' : 'study'}`;
      if (!acceptsMultipart(accept, 'application/dicom', summary.transfer_syntax)) {
        return this.notAcceptable(res, entry, echo);
      }
      const { boundary, body } = multipart(
        `application/dicom; transfer-syntax=${summary.transfer_syntax}`, this.instance.file);
      entry.outcome = 'instance';
      return sendBytes(res, 200,
        `multipart/related; type="application/dicom"; boundary=${boundary}`, body, echo);
    }
    if (path.instance && path.rest.length === 2 && path.rest[0] === 'bulkdata') {
      entry.route = 'bulkdata';
      const bytes = this.instance.bulk.get(path.rest[1].toUpperCase());
      if (!bytes) return this.notFound(res, entry, echo);
      return this.octets(accept, bytes, res, entry, echo);
    }
    if (path.instance && path.rest.length === 2 && path.rest[0] === 'frames') {
      entry.route = 'frames';
      if (path.rest[1] !== '1' || summary.frames !== 1) return this.notFound(res, entry, echo);
      return this.octets(accept, this.instance.bulk.get('7FE00010'), res, entry, echo);
    }
    return this.notFound(res, entry, echo);
  }

  octets(accept, bytes, res, entry, echo) {
    if (!acceptsMultipart(accept, 'application/octet-stream', this.instance.summary.transfer_syntax)) {
      return this.notAcceptable(res, entry, echo);
    }
    const { boundary, body } = multipart('application/octet-stream', bytes);
    entry.outcome = 'octets';
    return sendBytes(res, 200,
      `multipart/related; type="application/octet-stream"; boundary=${boundary}`, body, echo);
  }

  notFound(res, entry, echo) {
    entry.outcome = 'not found';
    return sendText(res, 404, 'No such study, series, instance or resource', echo);
  }

  notAcceptable(res, entry, echo) {
    entry.outcome = 'not acceptable';
    return sendText(res, 406, 'None of the accepted media types can be provided', echo);
  }
}

module.exports = { Wado, BASE_PATH, acceptsMultipart, mediaRanges };
