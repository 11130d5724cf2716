//! Records found through XCA carry no URL of their own: they are fetched through the
//! registry (ITI-39). A study's document is its KOS manifest, whose evidence names the
//! Study Instance UID and the WADO-RS Retrieve URL, from which the study's metadata address
//! follows; a report's document is the report itself. The manifest is read in memory and
//! dropped; the resolved address, once the origin policy allows it, is kept on the pointer
//! for the rest of the session.

use std::sync::Arc;

use dicom_dictionary_std::tags;
use tokio_util::sync::CancellationToken;

use super::{Pointer, ViewerError, ViewerSession};
use crate::error::UserFacing;
use crate::imaging::source::parse_dicom;
use crate::registry::DiscoveryBackend;

/// The WADO-RS metadata URL of the study a KOS manifest lists.
pub fn metadata_url_from_kos(bytes: &[u8]) -> Result<url::Url, ViewerError> {
    let bad = |why: &str| ViewerError::NotOpenable(format!("its manifest {why}"));
    let parsed = parse_dicom(bytes).map_err(|_| bad("is not DICOM"))?;
    let text = |obj: &dicom_object::InMemDicomObject, tag| {
        obj.element(tag)
            .ok()
            .and_then(|e| e.to_str().ok())
            .map(|s| s.trim_end_matches(['\0', ' ']).trim().to_owned())
            .filter(|s| !s.is_empty())
    };
    let evidence = parsed
        .dataset
        .element(tags::CURRENT_REQUESTED_PROCEDURE_EVIDENCE_SEQUENCE)
        .ok()
        .and_then(|e| e.items())
        .and_then(|items| items.first())
        .ok_or_else(|| bad("lists no study"))?;
    let study_uid =
        text(evidence, tags::STUDY_INSTANCE_UID).ok_or_else(|| bad("names no study"))?;
    let retrieve = text(evidence, tags::RETRIEVE_URL)
        .or_else(|| {
            evidence
                .element(tags::REFERENCED_SERIES_SEQUENCE)
                .ok()
                .and_then(|e| e.items())
                .and_then(|series| series.iter().find_map(|s| text(s, tags::RETRIEVE_URL)))
        })
        .ok_or_else(|| bad("gives no retrieve address"))?;
    // A Retrieve URL may be the WADO-RS base or already a study or series address.
    let base = match retrieve.find("/studies/") {
        Some(at) => retrieve[..at].to_owned(),
        None => retrieve.trim_end_matches('/').to_owned(),
    };
    let url = url::Url::parse(&format!("{base}/studies/{study_uid}/metadata"))
        .map_err(|_| bad("gives an invalid retrieve address"))?;
    if !matches!(url.scheme(), "https" | "http") {
        return Err(bad("gives a retrieve address that is not HTTP"));
    }
    Ok(url)
}

impl ViewerSession {
    /// The registry through which XCA records are fetched (the discovery backend in use).
    pub fn use_document_source(&self, backend: Arc<dyn DiscoveryBackend>) {
        *self
            .document_source
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Some(backend);
    }

    /// Fetches an XCA record's document through the registry.
    pub(super) async fn xca_document(
        &self,
        pointer: &Pointer,
    ) -> Result<crate::registry::xca::RetrievedDocument, ViewerError> {
        if let Some(reason) = &pointer.unopenable {
            return Err(ViewerError::NotOpenable(reason.clone()));
        }
        let retrieval = pointer
            .xca
            .clone()
            .ok_or_else(|| ViewerError::NotOpenable("it has no retrieval address".into()))?;
        let source = self
            .document_source
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or_else(|| ViewerError::NotOpenable("no registry is available".into()))?;
        source
            .retrieve_document(&retrieval, &CancellationToken::new())
            .await
            .map_err(|e| ViewerError::NotOpenable(e.user_message()))
    }

    /// The study metadata address of a study pointer: its own, or resolved (once) from its
    /// XCA manifest and kept on the pointer if `patient` is still the one open; either way
    /// only once the origin policy allows it.
    pub(super) async fn study_metadata_url(
        &self,
        pointer: &Pointer,
        patient: &crate::vault::PatientKey,
    ) -> Result<url::Url, ViewerError> {
        let nhs_number = self
            .patient()
            .as_ref()
            .filter(|state| state.key == *patient)
            .map(|state| state.nhs_number.clone())
            .ok_or(ViewerError::NoPatient)?;
        if let Some(url) = &pointer.url {
            self.check_origin(url, &nhs_number, &pointer.id)?;
            return Ok(url.clone());
        }
        let manifest = self.xca_document(pointer).await?;
        let url = metadata_url_from_kos(&manifest.content)?;
        self.check_origin(&url, &nhs_number, &pointer.id)?;
        if let Some(state) = self.patient().as_mut().filter(|s| s.key == *patient) {
            if let Some(kept) = state.pointers.get_mut(&pointer.id) {
                kept.url = Some(url.clone());
            }
        }
        Ok(url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dicom_core::value::DataSetSequence;
    use dicom_core::{DataElement, PrimitiveValue, Tag, VR};
    use dicom_object::InMemDicomObject;

    fn put(obj: &mut InMemDicomObject, tag: Tag, vr: VR, value: &str) {
        obj.put(DataElement::new(tag, vr, PrimitiveValue::from(value)));
    }

    fn manifest(retrieve: &str) -> Vec<u8> {
        let mut series = InMemDicomObject::new_empty();
        put(&mut series, tags::SERIES_INSTANCE_UID, VR::UI, "1.2.3.1");
        put(&mut series, tags::RETRIEVE_URL, VR::UR, retrieve);
        let mut evidence = InMemDicomObject::new_empty();
        put(&mut evidence, tags::STUDY_INSTANCE_UID, VR::UI, "1.2.3");
        evidence.put(DataElement::new(
            tags::REFERENCED_SERIES_SEQUENCE,
            VR::SQ,
            DataSetSequence::from(vec![series]),
        ));
        let mut kos = InMemDicomObject::new_empty();
        put(
            &mut kos,
            tags::SOP_CLASS_UID,
            VR::UI,
            "1.2.840.10008.5.1.4.1.1.88.59",
        );
        put(&mut kos, tags::SOP_INSTANCE_UID, VR::UI, "2.999.9");
        kos.put(DataElement::new(
            tags::CURRENT_REQUESTED_PROCEDURE_EVIDENCE_SEQUENCE,
            VR::SQ,
            DataSetSequence::from(vec![evidence]),
        ));
        crate::dicomweb::synthetic::part10(kos).unwrap()
    }

    #[test]
    fn a_manifest_gives_the_study_metadata_address() {
        for retrieve in [
            "https://pacs.example/dicomweb",
            "https://pacs.example/dicomweb/",
            "https://pacs.example/dicomweb/studies/1.2.3/series/1.2.3.1",
        ] {
            assert_eq!(
                metadata_url_from_kos(&manifest(retrieve)).unwrap().as_str(),
                "https://pacs.example/dicomweb/studies/1.2.3/metadata",
                "{retrieve}"
            );
        }
    }

    #[test]
    fn a_manifest_without_a_usable_address_is_refused() {
        assert!(metadata_url_from_kos(&manifest("ftp://pacs.example/x")).is_err());
        assert!(metadata_url_from_kos(b"not dicom").is_err());
    }
}
