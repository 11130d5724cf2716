// The registry's content: the document pointers held for the test patient, shaped like the
// NRL v3 examples, from two providers (custodians) in two imaging networks, and the one
// provider that does not answer.
//
// Sources: NRL consumer API OpenAPI (NHSDigital/nrl-consumer-api, consumer.yaml),
// components.schemas DocumentReference (masterIdentifier, status, type, category, subject
// by NHS number, date, author and custodian by ODS identifier
// https://fhir.nhs.uk/Id/ods-organization-code, content[].attachment, content[].format from
// England-NRLFormatCode, the ContentStability and NRLRetrievalMechanism extensions - content
// extensions NRL itself defines - and context.practiceSetting, which is required) and the
// example searchPostDocumentReference.200.fullResponse; the category examples
// (SNOMED 721981007 "Diagnostic studies report"). The imaging report category 4201000179104
// and the WADO-RS metadata URL of a study pointer follow the NIR contract of this project
// (docs shared with it: NIR-CONTRACT.md, "Discovery, FHIR flavour"). No private extension
// is used: a pointer names its source only by custodian and author.
'use strict';

const crypto = require('node:crypto');

const ODS_SYSTEM = 'https://fhir.nhs.uk/Id/ods-organization-code';
const NHS_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';
const SNOMED = 'http://snomed.info/sct';

/** The providers: two answer, the third never does. */
const PROVIDERS = {
  north: { ods: 'X27', site: 'X27A1', name: 'NORTH TEST IMAGING NETWORK' },
  south: { ods: 'X28', site: 'X28B2', name: 'SOUTH TEST IMAGING NETWORK' },
  east: { ods: 'X29', name: 'EAST TEST IMAGING NETWORK' },
};

function ods(code) {
  return { identifier: { system: ODS_SYSTEM, value: code } };
}

function coding(code, display) {
  return { coding: [{ system: SNOMED, code, display }] };
}

/** NRL's own content extensions (ContentStability, RetrievalMechanism "Direct"). */
function nrlContentExtensions() {
  return [
    {
      url: 'https://fhir.nhs.uk/England/StructureDefinition/Extension-England-ContentStability',
      valueCodeableConcept: { coding: [{
        system: 'https://fhir.nhs.uk/England/CodeSystem/England-NRLContentStability',
        code: 'static', display: 'Static',
      }] },
    },
    {
      url: 'https://fhir.nhs.uk/England/StructureDefinition/Extension-England-NRLRetrievalMechanism',
      valueCodeableConcept: { coding: [{
        system: 'https://fhir.nhs.uk/England/CodeSystem/England-NRLRetrievalMechanism',
        code: 'Direct', display: 'Direct',
      }] },
    },
  ];
}

const STRUCTURED = {
  system: 'https://fhir.nhs.uk/England/CodeSystem/England-NRLFormatCode',
  code: 'urn:nhs-ic:structured',
  display: 'Structured Document',
};

function pointerId(custodian) {
  return `${custodian}-${crypto.randomInt(1e9, 1e10)}`;
}

function pointer({ custodian, author, nhs, type, category, date, url, contentType, title, master }) {
  return {
    resourceType: 'DocumentReference',
    id: pointerId(custodian),
    masterIdentifier: { system: 'urn:ietf:rfc:3986', value: master },
    status: 'current',
    type,
    category: [category],
    subject: { identifier: { system: NHS_SYSTEM, value: nhs } },
    date,
    author: [ods(author)],
    custodian: ods(custodian),
    description: title,
    content: [{
      attachment: { contentType, language: 'en-GB', url, title, creation: date },
      format: STRUCTURED,
      extension: nrlContentExtensions(),
    }],
    context: {
      facilityType: coding('22232009', 'Hospital'),
      practiceSetting: coding('394914008', 'Radiology'),
      period: { start: date },
    },
  };
}

/**
 * The pointers of `nhs`, in search order: a CT study held by the north network (WADO-RS
 * metadata URL) and an imaging report held by the south network (a FHIR DiagnosticReport).
 */
function pointersFor(nhs, { base, study, report }) {
  const studyDate = /^\d{8}$/.test(study.date || '')
    ? `${study.date.slice(0, 4)}-${study.date.slice(4, 6)}-${study.date.slice(6, 8)}T09:00:00+00:00`
    : '2024-01-01T09:00:00+00:00';
  return [
    pointer({
      custodian: PROVIDERS.north.ods,
      author: PROVIDERS.north.site,
      nhs,
      type: coding('169069000', 'Computed tomography of chest'),
      category: coding('721981007', 'Diagnostic studies report'),
      date: studyDate,
      url: `${base}/wado-rs/studies/${study.uid}/metadata`,
      contentType: 'application/dicom+json',
      title: `${study.modality} study`,
      master: `urn:oid:${study.uid}`,
    }),
    pointer({
      custodian: PROVIDERS.south.ods,
      author: PROVIDERS.south.site,
      nhs,
      type: coding('4201000179104', 'Imaging report'),
      category: coding('4201000179104', 'Imaging report'),
      date: report.issued,
      url: `${base}/providers/${PROVIDERS.south.ods}/FHIR/R4/DiagnosticReport/${report.id}`,
      contentType: 'application/fhir+json',
      title: 'Imaging report',
      master: `urn:uuid:${report.id}`,
    }),
  ];
}

module.exports = { pointersFor, PROVIDERS, ODS_SYSTEM, NHS_SYSTEM, SNOMED };
