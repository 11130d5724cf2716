#!/usr/bin/env python3
"""Walk the embedded NIR sandbox the way any plain HTTP client could.

Usage: sandbox_walk.py BASE_URL

Reads the discovery document, searches the rich-history patient (GET, POST form and
POST JSON), follows a study pointer to its WADO-RS metadata, retrieves a series and
checks that every part is valid DICOM carrying the patient's NHS number. Uses only the
standard library and pydicom. Exits non-zero with a message on the first failure.
"""

import io
import json
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pydicom

NHS_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
TIMEOUT = 60


def lower_keys(headers):
    return {name.lower(): value for name, value in headers.items()}


def request(url, data=None, headers=None, method=None):
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT) as response:
            return response.status, lower_keys(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, lower_keys(error.headers), error.read()


def nrl_headers(extra=None):
    headers = {"NHSD-End-User-Organisation-ODS": "Y12345", "X-Request-ID": str(uuid.uuid4())}
    headers.update(extra or {})
    return headers


def check(condition, message):
    if not condition:
        sys.exit(f"sandbox walk failed: {message}")


def split_multipart(body, content_type):
    boundary = None
    for param in content_type.split(";"):
        name, _, value = param.strip().partition("=")
        if name.lower() == "boundary":
            boundary = value.strip('"')
    check(boundary, "multipart response without a boundary")
    delimiter = b"--" + boundary.encode()
    parts = []
    for chunk in body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            return parts, True
        head, _, rest = chunk.partition(b"\r\n\r\n")
        headers = {}
        for line in head.decode("latin-1").split("\r\n"):
            if ":" in line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", len(rest) - 2))
        parts.append((headers, rest[:length]))
    return parts, False


def main():
    check(len(sys.argv) == 2, "usage: sandbox_walk.py BASE_URL")
    base = sys.argv[1].rstrip("/")
    status, _, body = request(base + "/.well-known/nir-sandbox.json")
    check(status == 200, f"discovery document answered {status}")
    doc = json.loads(body)
    rich = next(p for p in doc["patients"] if p["scenario"] == "rich-history")["nhs_number"]
    check(len(doc["networks"]) >= 3, "fewer than three networks")
    fhir = doc["fhir"]
    identifier = f"{NHS_SYSTEM}|{rich}"

    query = urllib.parse.urlencode({"subject:identifier": identifier})
    status, headers, body = request(f"{fhir}/DocumentReference?{query}", headers=nrl_headers())
    check(status == 200, f"GET search answered {status}")
    check(headers.get("cache-control") == "no-store", "responses must say no-store")
    by_get = json.loads(body)
    form = urllib.parse.urlencode({"subject:identifier": identifier}).encode()
    status, _, body = request(f"{fhir}/DocumentReference/_search", data=form, method="POST",
                              headers=nrl_headers({"Content-Type": "application/x-www-form-urlencoded"}))
    check(status == 200, f"POST form search answered {status}")
    by_form = json.loads(body)
    status, _, body = request(f"{fhir}/DocumentReference/_search", method="POST",
                              data=json.dumps({"subject:identifier": identifier}).encode(),
                              headers=nrl_headers({"Content-Type": "application/json"}))
    check(status == 200, f"POST JSON search answered {status}")
    by_json = json.loads(body)
    check(by_get["total"] == by_form["total"] == by_json["total"] > 0, "the three searches disagree")

    studies = [e["resource"] for e in by_get["entry"]
               if e["search"]["mode"] == "match"
               and e["resource"]["content"][0]["attachment"]["contentType"] == "application/dicom+json"]
    pointer = next(p for p in studies if "MR" in p["description"])
    check(pointer["subject"]["identifier"]["value"] == rich, "pointer names another patient")
    metadata_url = pointer["content"][0]["attachment"]["url"]
    status, headers, body = request(metadata_url)
    check(status == 200, f"metadata answered {status}")
    metadata = json.loads(body)
    series_uid = metadata[0]["0020000E"]["Value"][0]
    expected = sum(1 for m in metadata if m["0020000E"]["Value"][0] == series_uid)

    series_url = metadata_url[: -len("/metadata")] + f"/series/{series_uid}"
    for syntax in ("*", "1.2.840.10008.1.2.1"):
        accept = f'multipart/related; type="application/dicom"; transfer-syntax={syntax}'
        status, headers, body = request(series_url, headers={"Accept": accept})
        check(status == 200, f"series retrieve answered {status}")
        parts, closed = split_multipart(body, headers["content-type"])
        check(closed, "multipart body not closed")
        check(len(parts) == expected, f"{len(parts)} parts, metadata lists {expected}")
        for part_headers, part in parts:
            check(part_headers["content-type"].startswith("application/dicom"), "part is not application/dicom")
            dataset = pydicom.dcmread(io.BytesIO(part))
            check(str(dataset.PatientID) == rich, "instance carries another PatientID")
            check(str(dataset.SeriesInstanceUID) == series_uid, "instance from another series")
            if syntax != "*":
                check(len(dataset.PixelData) == dataset.Rows * dataset.Columns * 2, "native pixel data has the wrong size")

    status, _, _ = request(f"{fhir}/DocumentReference?{urllib.parse.urlencode({'subject:identifier': NHS_SYSTEM + '|9278693472'})}",
                           headers=nrl_headers())
    check(status == 403, f"access-denied answered {status}")
    print(f"walk ok: {by_get['total']} pointers, {expected} instances of one series")


if __name__ == "__main__":
    main()
