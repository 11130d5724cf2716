// The OperationOutcomes the double answers with when a request is refused: the API
// gateway's canned faults for a missing token, ODS header or request id, and the NRL
// consumer API's own 4XX outcomes.
//
// Sources: NHSDigital/nrl-consumer-api (MIT), proxies/live/apiproxy/policies
// RaiseFault.401Unauthorized.xml, RaiseFault.400MissingODSHeader.xml and
// RaiseFault.400MissingRequestIdHeader.xml (status, issue code, Spine code and diagnostics,
// served as application/json); specification/record-locator/consumer.yaml, the 4XX examples
// of searchDocumentReference (INVALID_PARAMETER), searchPostDocumentReference
// (MESSAGE_NOT_WELL_FORMED) and readDocumentReference, and its error table (404
// RESOURCE_NOT_FOUND). The code system is https://fhir.nhs.uk/CodeSystem/Spine-ErrorOrWarningCode.
// FHIR R4 OperationOutcome (hl7.org/fhir/R4/operationoutcome.html) for the shape.
'use strict';

const SPINE = 'https://fhir.nhs.uk/CodeSystem/Spine-ErrorOrWarningCode';

function outcome(severity, code, spineCode, display, diagnostics) {
  return {
    resourceType: 'OperationOutcome',
    issue: [{
      severity,
      code,
      details: { coding: [{ system: SPINE, code: spineCode, display }] },
      diagnostics,
    }],
  };
}

/** The gateway's faults: [status, body], sent as application/json. */
const GATEWAY = {
  unauthorized: [401, outcome('error', 'forbidden', 'ACCESS_DENIED',
    'Access has been denied to process this request', 'You are not authorized to access this resource.')],
  missingOds: [400, outcome('error', 'required', 'PRECONDITION_FAILED', 'Precondition failed',
    'The NHSD-End-User-Organisation-ODS header is missing or invalid')],
  missingRequestId: [400, outcome('error', 'invalid', 'MISSING_OR_INVALID_HEADER',
    'There is a required header missing or invalid', 'The X-Request-Id header is missing or invalid')],
};

/** The NRL consumer API's own refusals: [status, body], sent as application/fhir+json;version=1. */
const NRL = {
  invalidParameter: (diagnostics) => [400, outcome('error', 'invalid', 'INVALID_PARAMETER',
    'Invalid parameter', diagnostics)],
  notWellFormed: (diagnostics) => [400, outcome('error', 'invalid', 'MESSAGE_NOT_WELL_FORMED',
    'Message not well formed', diagnostics)],
  invalidNhsNumber: () => [400, outcome('error', 'invalid', 'INVALID_NHS_NUMBER',
    'Invalid NHS number', 'A valid NHS number is required to search for document pointers')],
  notFound: (diagnostics) => [404, outcome('error', 'not-found', 'RESOURCE_NOT_FOUND',
    'Resource not found', diagnostics)],
};

module.exports = { GATEWAY, NRL, SPINE };
