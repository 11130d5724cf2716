// The imaging report a report pointer leads to: a FHIR R4 DiagnosticReport held by the
// south provider, with a text conclusion and the same report as a one-page PDF in
// presentedForm. Needs the access token of this double's CIS2.
//
// Sources: FHIR R4 DiagnosticReport (hl7.org/fhir/R4/diagnosticreport.html: status,
// category from v2-0074 "RAD", code, subject, effective[x], issued, performer, conclusion,
// presentedForm as Attachment with contentType and base64 data); FHIR R4 RESTful read
// (hl7.org/fhir/R4/http.html#read, 404 for an unknown id); PDF 1.7 (ISO 32000-1) §7.5
// file structure (header, objects, cross-reference table with 20-byte entries, trailer,
// startxref) for the minimal PDF.
'use strict';

const crypto = require('node:crypto');
const { sendJson } = require('./exchange');
const { admitRead } = require('./gate');
const { PROVIDERS, ODS_SYSTEM, NHS_SYSTEM } = require('./pointers');

const CONCLUSION = 'No acute abnormality. Test report for the live path conformance run.';

/** A minimal one-page PDF showing `text`, with a correct cross-reference table. */
function pdf(text) {
  const escaped = text.replace(/[\\()]/g, (c) => `\\${c}`);
  const stream = `BT /F1 12 Tf 72 720 Td (${escaped}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R '
      + '/Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${Buffer.byteLength(stream)} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.7\n';
  const offsets = [];
  objects.forEach((body, index) => {
    offsets.push(Buffer.byteLength(out));
    out += `${index + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out);
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) out += `${String(offset).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

class Reports {
  /** @param {object} options base, cis2, consumerOds, patient */
  constructor(options) {
    this.cis2 = options.cis2;
    this.consumerOds = options.consumerOds;
    this.id = crypto.randomUUID();
    this.issued = '2024-03-05T14:30:00+00:00';
    this.path = `/providers/${PROVIDERS.south.ods}/FHIR/R4/DiagnosticReport/`;
    this.resource = {
      resourceType: 'DiagnosticReport',
      id: this.id,
      status: 'final',
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'RAD',
        display: 'Radiology' }] }],
      code: { coding: [{ system: 'http://loinc.org', code: '18748-4',
        display: 'Diagnostic imaging study' }] },
      subject: { identifier: { system: NHS_SYSTEM, value: options.patient } },
      effectiveDateTime: '2024-03-05T09:00:00+00:00',
      issued: this.issued,
      performer: [{ identifier: { system: ODS_SYSTEM, value: PROVIDERS.south.site } }],
      conclusion: CONCLUSION,
      presentedForm: [{
        contentType: 'application/pdf',
        language: 'en-GB',
        data: pdf(CONCLUSION).toString('base64'),
        title: 'Imaging report',
      }],
    };
  }

  /** What a pointer needs to name this report. */
  describe() {
    return { id: this.id, issued: this.issued };
  }

  handles(path) {
    return path.startsWith('/providers/');
  }

  handle(req, res, url, entry) {
    const echo = admitRead(req, res, entry, 'report', this.cis2, this.consumerOds);
    if (echo === null) return undefined;
    entry.route = 'read report';
    if (url.pathname !== `${this.path}${this.id}`) {
      entry.outcome = 'not found';
      return sendJson(res, 404, {
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'error', code: 'not-found', diagnostics: 'No such DiagnosticReport' }],
      }, 'application/fhir+json', echo);
    }
    entry.outcome = 'report';
    return sendJson(res, 200, this.resource, 'application/fhir+json', echo);
  }
}

module.exports = { Reports, pdf, CONCLUSION };
