//! `GET B/.well-known/nir-sandbox.json`: the map of the sandbox for clients and testers:
//! base URLs of each flavour, the networks with their WADO-RS and FHIR bases, the record
//! type codes, and the scenario table of synthetic patients.

use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};

use super::networks::NETWORKS;
use super::patients::PATIENTS;
use super::record_types::record_type_codes;
use super::SandboxState;

/// The discovery document of this sandbox.
pub fn document(state: &SandboxState) -> Value {
    let networks: Vec<Value> = NETWORKS
        .iter()
        .enumerate()
        .map(|(i, n)| {
            json!({
                "id": n.id,
                "name": n.name,
                "ods_code": n.ods_code,
                "care_setting": n.care_setting,
                "home_community_id": n.home_community_id,
                "repository_unique_id": n.repository_unique_id,
                "wado": state.wado_base(i),
                "fhir": state.network_fhir_base(i),
            })
        })
        .collect();
    let patients: Vec<Value> = PATIENTS
        .iter()
        .map(|p| json!({ "nhs_number": p.nhs_number, "scenario": p.scenario.name(), "description": p.description }))
        .collect();
    json!({
        "base": state.base_str(),
        "fhir": state.fhir_base(),
        "xca_query": state.url("/xca/iti38"),
        "xca_retrieve": state.url("/xca/iti39"),
        "oidc_issuer": state.url("/oidc"),
        "require_auth": state.auth.require_auth,
        "networks": networks,
        "record_type_codes": record_type_codes(),
        "patients": patients,
    })
}

/// The handler.
pub async fn handler(State(state): State<Arc<SandboxState>>) -> Json<Value> {
    Json(document(&state))
}
