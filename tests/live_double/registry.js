// An NRL v3 consumer API: DocumentReference search by GET and by POST _search with the
// documented JSON body, read by id, searchset Bundles that page (one pointer a page, a
// Bundle.link "next" to follow) and carry an OperationOutcome entry naming the provider
// that did not answer. Refuses what the gateway and the API refuse, with their outcomes.
//
// Sources: NRL consumer API OpenAPI (NHSDigital/nrl-consumer-api, consumer.yaml):
// paths /DocumentReference (GET; parameters subject:identifier (required, pattern
// https://fhir.nhs.uk/Id/nhs-number|digits), custodian:identifier, type, category (comma
// means OR), _summary=count), /DocumentReference/_search (POST, requestBody
// application/json, schema RequestParams with the same names as members, subject:identifier
// required), /DocumentReference/{id}; responses application/fhir+json;version=1; the
// headers of gate.js. FHIR R4 Bundle (hl7.org/fhir/R4/bundle.html): type searchset, total
// counts matches only, entry.search.mode match|outcome; FHIR R4 search paging
// (hl7.org/fhir/R4/http.html#paging: link relation "next", the URL is opaque to the client).
// NHS number check digit: NHS Data Dictionary "NHS Number" (modulus 11).
'use strict';

const crypto = require('node:crypto');
const { URLSearchParams } = require('node:url');
const { readBody, mediaType, sendJson } = require('./exchange');
const { GATEWAY, NRL } = require('./outcomes');
const { inspect, mirrored } = require('./gate');
const { pointersFor, PROVIDERS, ODS_SYSTEM, NHS_SYSTEM } = require('./pointers');

const BASE_PATH = '/record-locator/consumer/FHIR/R4';
const FHIR_JSON = 'application/fhir+json;version=1';
const SEARCH_PARAMS = ['subject:identifier', 'custodian:identifier', 'type', 'category', '_summary'];
const SUBJECT = /^https:\/\/fhir\.nhs\.uk\/Id\/nhs-number\|(\d+)$/;
const CUSTODIAN = /^https:\/\/fhir\.nhs\.uk\/Id\/ods-organization-code\|(\w+)$/;
const PAGE_SIZE = 1;
const PAGE_LIFETIME_MS = 5 * 60 * 1000;

/** Modulus 11 check of a ten-digit NHS number. */
function validNhsNumber(value) {
  if (!/^\d{10}$/.test(value)) return false;
  let sum = 0;
  for (let i = 0; i < 9; i += 1) sum += Number(value[i]) * (10 - i);
  const check = 11 - (sum % 11);
  const digit = check === 11 ? 0 : check;
  return digit !== 10 && digit === Number(value[9]);
}

/** Whether a CodeableConcept list matches one of the comma-separated `system|code` tokens. */
function matchesToken(concepts, tokens) {
  return tokens.some((token) => {
    const [system, code] = token.includes('|') ? token.split('|') : [null, token];
    return concepts.some((concept) => concept.coding.some((c) => c.code === code
      && (system === null || system === '' || c.system === system)));
  });
}

class Registry {
  /**
   * @param {object} options base, cis2, consumerOds, patient (the NHS number with pointers),
   *   study and report (what the pointers point at)
   */
  constructor(options) {
    this.base = options.base;
    this.fhirBase = `${options.base}${BASE_PATH}`;
    this.cis2 = options.cis2;
    this.consumerOds = options.consumerOds;
    this.patient = options.patient;
    this.pointers = pointersFor(options.patient, {
      base: options.base, study: options.study, report: options.report,
    });
    this.pages = new Map();
  }

  handles(path) {
    return path === BASE_PATH || path.startsWith(`${BASE_PATH}/`);
  }

  async handle(req, res, url, entry) {
    entry.service = 'nrl';
    const { headers } = inspect(req, this.cis2, this.consumerOds);
    entry.headers = headers;
    const echo = mirrored(req);
    const fault = ([status, body]) => {
      entry.outcome = body.issue[0].details.coding[0].code;
      return sendJson(res, status, body, 'application/json', echo);
    };
    const refuse = ([status, body]) => {
      entry.outcome = body.issue[0].details.coding[0].code;
      return sendJson(res, status, body, FHIR_JSON, echo);
    };
    if (headers.bearer !== 'valid') return fault(GATEWAY.unauthorized);
    if (headers.ods !== 'valid') return fault(GATEWAY.missingOds);
    if (headers.request_id !== 'uuid') return fault(GATEWAY.missingRequestId);

    const path = url.pathname.slice(BASE_PATH.length);
    if (req.method === 'POST' && path === '/DocumentReference/_search') {
      entry.route = 'search (POST)';
      if (mediaType(req.headers['content-type']) !== 'application/json') {
        return refuse(NRL.notWellFormed('The request body must be application/json'));
      }
      const body = await readBody(req);
      let params;
      try {
        params = JSON.parse(body === null ? '' : body.toString('utf8'));
      } catch {
        return refuse(NRL.notWellFormed('Request body could not be parsed'));
      }
      if (params === null || typeof params !== 'object' || Array.isArray(params)) {
        return refuse(NRL.notWellFormed('Request body could not be parsed'));
      }
      return this.search(params, req, res, entry, refuse, echo);
    }
    if (req.method === 'GET' && path === '/DocumentReference') {
      if (url.searchParams.has('_getpages')) {
        entry.route = 'next page';
        return this.nextPage(url.searchParams, req, res, entry, refuse, echo);
      }
      entry.route = 'search (GET)';
      const params = {};
      for (const key of new Set(url.searchParams.keys())) {
        const values = url.searchParams.getAll(key);
        if (values.length !== 1) return refuse(NRL.invalidParameter(`Repeated query parameter: ${key}`));
        params[key] = values[0];
      }
      return this.search(params, req, res, entry, refuse, echo);
    }
    const read = /^\/DocumentReference\/([A-Za-z0-9\-.]{1,64})$/.exec(path);
    if (req.method === 'GET' && read) {
      entry.route = 'read';
      const found = this.pointers.find((p) => p.id === read[1]);
      if (!found) return refuse(NRL.notFound('The requested DocumentReference could not be found'));
      entry.outcome = 'pointer';
      return sendJson(res, 200, found, FHIR_JSON, echo);
    }
    entry.route = 'unknown';
    return refuse(NRL.notFound('Unknown resource'));
  }

  /** Validates the search parameters (GET query or POST body) and answers page one. */
  search(params, req, res, entry, refuse, echo) {
    for (const key of Object.keys(params)) {
      if (!SEARCH_PARAMS.includes(key)) return refuse(NRL.invalidParameter(`Invalid query parameter: ${key}`));
      if (typeof params[key] !== 'string') return refuse(NRL.invalidParameter(`Invalid value for ${key}`));
    }
    const subject = SUBJECT.exec(params['subject:identifier'] || '');
    if (!subject) return refuse(NRL.invalidParameter('subject:identifier must be https://fhir.nhs.uk/Id/nhs-number|<NHS number>'));
    if (!validNhsNumber(subject[1])) return refuse(NRL.invalidNhsNumber());
    const custodian = params['custodian:identifier'];
    if (custodian !== undefined && !CUSTODIAN.test(custodian)) {
      return refuse(NRL.invalidParameter('Invalid custodian:identifier'));
    }
    if (params._summary !== undefined && params._summary !== 'count') {
      return refuse(NRL.invalidParameter('_summary supports only count'));
    }
    const matches = this.matching(subject[1], params);
    entry.matches = matches.length;
    if (params._summary === 'count') {
      entry.outcome = 'count';
      return sendJson(res, 200, { resourceType: 'Bundle', type: 'searchset', total: matches.length },
        FHIR_JSON, echo);
    }
    const search = { nhs: subject[1], params, ods: req.headers['nhsd-end-user-organisation-ods'] };
    return this.page(search, 0, res, entry, echo);
  }

  matching(nhs, params) {
    if (nhs !== this.patient) return [];
    const split = (value) => value.split(',').map((v) => v.trim()).filter(Boolean);
    return this.pointers.filter((p) => {
      if (params.category !== undefined && !matchesToken(p.category, split(params.category))) return false;
      if (params.type !== undefined && !matchesToken([p.type], split(params.type))) return false;
      if (params['custodian:identifier'] !== undefined) {
        const code = CUSTODIAN.exec(params['custodian:identifier'])[1];
        if (p.custodian.identifier.value !== code) return false;
      }
      return true;
    });
  }

  nextPage(query, req, res, entry, refuse, echo) {
    if ([...query.keys()].length !== 1 || query.getAll('_getpages').length !== 1) {
      return refuse(NRL.invalidParameter('A page link takes no other parameter'));
    }
    const held = this.pages.get(query.get('_getpages'));
    if (!held || held.expires < Date.now()) return refuse(NRL.invalidParameter('Unknown or expired page link'));
    if (held.search.ods !== req.headers['nhsd-end-user-organisation-ods']) {
      return refuse(NRL.invalidParameter('The page link belongs to another organisation'));
    }
    return this.page(held.search, held.index, res, entry, echo);
  }

  /** One page of the searchset; page one also carries the outcome of the silent provider. */
  page(search, index, res, entry, echo) {
    const matches = this.matching(search.nhs, search.params);
    const slice = matches.slice(index * PAGE_SIZE, (index + 1) * PAGE_SIZE);
    const query = new URLSearchParams(search.params);
    const bundle = {
      resourceType: 'Bundle',
      id: crypto.randomUUID(),
      type: 'searchset',
      total: matches.length,
      link: [{ relation: 'self', url: `${this.fhirBase}/DocumentReference?${query}` }],
      entry: slice.map((resource) => ({
        fullUrl: `${this.fhirBase}/DocumentReference/${resource.id}`,
        resource,
        search: { mode: 'match' },
      })),
    };
    if ((index + 1) * PAGE_SIZE < matches.length) {
      const token = crypto.randomBytes(16).toString('hex');
      this.pages.set(token, { search, index: index + 1, expires: Date.now() + PAGE_LIFETIME_MS });
      bundle.link.push({ relation: 'next', url: `${this.fhirBase}/DocumentReference?_getpages=${token}` });
    }
    if (index === 0 && search.nhs === this.patient) bundle.entry.push(this.silentProvider());
    entry.outcome = `page ${index + 1}: ${slice.length} pointers`;
    entry.page = index + 1;
    return sendJson(res, 200, bundle, FHIR_JSON, echo);
  }

  /** An outcome entry (search.mode = outcome) naming the provider that did not answer. */
  silentProvider() {
    const east = PROVIDERS.east;
    return {
      resource: {
        resourceType: 'OperationOutcome',
        id: crypto.randomUUID(),
        issue: [{
          severity: 'warning',
          code: 'incomplete',
          details: {
            coding: [{ system: ODS_SYSTEM, code: east.ods, display: east.name }],
            text: `${east.name} (${east.ods}) did not answer; its records are missing from this result`,
          },
          diagnostics: `No response from provider ${east.ods} within the time limit`,
        }],
      },
      search: { mode: 'outcome' },
    };
  }
}

module.exports = { Registry, BASE_PATH, validNhsNumber, NHS_SYSTEM };
