"""Prepares the live double's one DICOM instance from a file of the shared decode corpus.

Reads the file with pydicom, gives it the test patient's NHS number (Patient ID with the
NHS number's issuer, as a provider's archive would hold it), and writes into OUT_DIR:
instance.dcm (the Part 10 file served by WADO-RS), metadata.json (its DICOM JSON Model,
bulk data replaced by BulkDataURIs under BULK_BASE), bulk_<TAG>.bin (each bulk data value)
and summary.json (the UIDs, transfer syntax and frame count the server routes by).

Sources: DICOM PS3.18 Annex F (DICOM JSON Model; BulkDataURI), §10.4 (bulk data and
metadata resources); PS3.3 C.7.1.1 Patient Module (Patient ID, Issuer of Patient ID,
Issuer of Patient ID Qualifiers Sequence with Universal Entity ID / Type); the NHS number's
OID 2.16.840.1.113883.2.1.4.1 (HL7 UK). Usage:
    python3 dicom_instance.py SOURCE.dcm NHS_NUMBER OUT_DIR BULK_BASE
"""

import json
import os
import sys

import pydicom
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

NHS_NUMBER_OID = "2.16.840.1.113883.2.1.4.1"


def main(source, nhs_number, out_dir, bulk_base):
    ds = pydicom.dcmread(source)
    if "PixelData" not in ds:
        raise SystemExit(f"{source}: no pixel data")
    ds.PatientID = nhs_number
    ds.IssuerOfPatientID = "NHS"
    qualifiers = Dataset()
    qualifiers.UniversalEntityID = NHS_NUMBER_OID
    qualifiers.UniversalEntityIDType = "ISO"
    ds.IssuerOfPatientIDQualifiersSequence = Sequence([qualifiers])
    transfer_syntax = str(ds.file_meta.TransferSyntaxUID)
    ds.AvailableTransferSyntaxUID = transfer_syntax
    ds.save_as(os.path.join(out_dir, "instance.dcm"), enforce_file_format=True)

    instance_url = (
        f"{bulk_base}/studies/{ds.StudyInstanceUID}/series/{ds.SeriesInstanceUID}"
        f"/instances/{ds.SOPInstanceUID}"
    )

    def bulk(element):
        tag = f"{element.tag:08X}"
        value = element.value if isinstance(element.value, bytes) else bytes(element.value)
        with open(os.path.join(out_dir, f"bulk_{tag}.bin"), "wb") as out:
            out.write(value)
        return f"{instance_url}/bulkdata/{tag}"

    metadata = ds.to_json_dict(bulk_data_threshold=1024, bulk_data_element_handler=bulk)
    with open(os.path.join(out_dir, "metadata.json"), "w", encoding="utf-8") as out:
        json.dump(metadata, out)
    summary = {
        "study_uid": str(ds.StudyInstanceUID),
        "series_uid": str(ds.SeriesInstanceUID),
        "sop_uid": str(ds.SOPInstanceUID),
        "sop_class": str(ds.SOPClassUID),
        "transfer_syntax": transfer_syntax,
        "modality": str(ds.get("Modality", "OT")),
        "study_date": str(ds.get("StudyDate", "")),
        "rows": int(ds.Rows),
        "columns": int(ds.Columns),
        "frames": int(ds.get("NumberOfFrames", 1) or 1),
    }
    with open(os.path.join(out_dir, "summary.json"), "w", encoding="utf-8") as out:
        json.dump(summary, out)


if __name__ == "__main__":
    if len(sys.argv) != 5:
        raise SystemExit(__doc__)
    main(*sys.argv[1:])
