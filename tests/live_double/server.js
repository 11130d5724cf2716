// The live double: a CIS2-like OpenID Provider, an NRL v3 consumer API and the imaging
// providers behind it (WADO-RS, FHIR DiagnosticReport) on one HTTPS port of 127.0.0.1,
// written from the public documents (see README.md) with Node's built-in modules only.
// Prints one JSON line with its addresses on stdout once it listens; logs every request
// to a JSON-lines file; stops by itself after --max-seconds or --max-requests, or when its
// standard input closes.
//
// Sources: Node.js https.createServer (TLS with the key and certificate given); RFC 9110
// §15.6.4 (503 once the request budget is spent). Each service module cites its own.
//
// Usage: node server.js --tls-key K --tls-cert C --client-jwk JWK --client-id ID
//   --redirect-uri http://127.0.0.1/callback --consumer-ods X26 --patient 9912003888
//   --dicom FILE.dcm --work-dir DIR --log LOG.jsonl [--max-seconds 300] [--max-requests 400]
'use strict';

const fs = require('node:fs');
const https = require('node:https');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { URL } = require('node:url');
const { Cis2 } = require('./cis2');
const { Registry } = require('./registry');
const { Wado } = require('./wado');
const { Reports } = require('./report');
const { RequestLog } = require('./request_log');
const { sendText } = require('./exchange');

function options(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i];
    if (!name.startsWith('--') || argv[i + 1] === undefined) throw new Error(`bad argument ${name}`);
    out[name.slice(2)] = argv[i + 1];
  }
  for (const required of ['tls-key', 'tls-cert', 'client-jwk', 'client-id', 'redirect-uri',
    'consumer-ods', 'patient', 'dicom', 'work-dir', 'log']) {
    if (!out[required]) throw new Error(`--${required} is required`);
  }
  return out;
}

/** Runs dicom_instance.py and loads what it wrote. */
function prepareInstance(opts, wadoBase) {
  execFileSync('python3', [path.join(__dirname, 'dicom_instance.py'), opts.dicom, opts.patient,
    opts['work-dir'], wadoBase], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 60000 });
  const dir = opts['work-dir'];
  const bulk = new Map();
  for (const name of fs.readdirSync(dir)) {
    const match = /^bulk_([0-9A-F]{8})\.bin$/.exec(name);
    if (match) bulk.set(match[1], fs.readFileSync(path.join(dir, name)));
  }
  return {
    summary: JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8')),
    metadata: JSON.parse(fs.readFileSync(path.join(dir, 'metadata.json'), 'utf8')),
    file: fs.readFileSync(path.join(dir, 'instance.dcm')),
    bulk,
  };
}

function main() {
  const opts = options(process.argv.slice(2));
  const maxSeconds = Number(opts['max-seconds'] || 300);
  const maxRequests = Number(opts['max-requests'] || 400);
  const log = new RequestLog(opts.log);
  let services = [];

  const server = https.createServer({
    key: fs.readFileSync(opts['tls-key']),
    cert: fs.readFileSync(opts['tls-cert']),
  }, (req, res) => {
    let url;
    try {
      url = new URL(req.url, 'https://127.0.0.1');
    } catch {
      return sendText(res, 400, 'Bad request target');
    }
    const entry = log.begin(req, res, url);
    if (log.count > maxRequests) {
      entry.outcome = 'request budget spent';
      sendText(res, 503, 'This test server has answered all the requests it may');
      return stop(0);
    }
    const service = services.find((s) => s.handles(url.pathname));
    if (!service) {
      entry.outcome = 'no such service';
      return sendText(res, 404, 'not found');
    }
    Promise.resolve(service.handle(req, res, url, entry)).catch((error) => {
      entry.outcome = `internal error: ${error.message}`;
      if (!res.headersSent) sendText(res, 500, 'internal error');
      else res.destroy();
    });
    return undefined;
  });
  server.keepAliveTimeout = 2000;
  server.headersTimeout = 10000;
  server.requestTimeout = 30000;

  let stopping = false;
  function stop(code) {
    if (stopping) return;
    stopping = true;
    server.close();
    server.closeAllConnections();
    setTimeout(() => process.exit(code), 200).unref();
  }

  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address();
    const base = `https://127.0.0.1:${port}`;
    const cis2 = new Cis2({
      base, clientId: opts['client-id'], clientJwkPath: opts['client-jwk'],
      redirectUri: opts['redirect-uri'],
    });
    const instance = prepareInstance(opts, `${base}/wado-rs`);
    const reports = new Reports({ cis2, consumerOds: opts['consumer-ods'], patient: opts.patient });
    const registry = new Registry({
      base, cis2, consumerOds: opts['consumer-ods'], patient: opts.patient,
      study: {
        uid: instance.summary.study_uid, date: instance.summary.study_date,
        modality: instance.summary.modality,
      },
      report: reports.describe(),
    });
    const wado = new Wado({ cis2, consumerOds: opts['consumer-ods'], instance });
    services = [cis2, registry, wado, reports];
    process.stdout.write(`${JSON.stringify({
      port,
      issuer: cis2.issuer,
      fhir_base: `${registry.fhirBase}/`,
      study_uid: instance.summary.study_uid,
      sop_uid: instance.summary.sop_uid,
      report_id: reports.id,
    })}\n`);
  });

  setTimeout(() => stop(0), maxSeconds * 1000).unref();
  process.stdin.on('end', () => stop(0));
  process.stdin.resume();
  process.on('SIGTERM', () => stop(0));
}

try {
  main();
} catch (error) {
  process.stderr.write(`live double: ${error.message}\n`);
  process.exit(2);
}
