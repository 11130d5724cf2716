//! The managed configuration's settings that no other area's tests reach through a parsed
//! file: each test writes the setting as an organisation would (`packaging/config.toml`
//! shows every one), resolves it the way the viewer does, and watches its effect — the
//! configured proxy carries the traffic, the memory budget refuses a study that does not
//! fit, and `[[nir.networks]]` names the networks records are attributed to.
//! `docs/configuration.md` maps every setting to the test that shows its effect.

use nir_viewer::config;
use nir_viewer::net::build_client;
use nir_viewer::registry::fhir::parse_bundle;
use nir_viewer::registry::KnownNetwork;
use nir_viewer::vault::Vault;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const BASE: &str =
    "[nir]\nflavour = \"fhir\"\nbase_url = \"https://nir.example.nhs.uk/FHIR/R4/\"\n";

fn parse(extra: &str) -> config::Config {
    config::parse(&format!("{BASE}{extra}")).unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn the_configured_proxy_carries_the_traffic() {
    // A one-request HTTP proxy on loopback: it sees the absolute-form request line.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let proxy = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut head = vec![0u8; 4096];
        let read = socket.read(&mut head).await.unwrap();
        socket
            .write_all(b"HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n")
            .await
            .unwrap();
        String::from_utf8_lossy(&head[..read]).into_owned()
    });
    let config = parse(&format!("[network]\nproxy = \"http://{address}\"\n"));
    let http = build_client(&nir_viewer::config::network_settings(&config).unwrap()).unwrap();
    // No such host exists: only the proxy can answer.
    let response = http
        .get("http://pacs.nowhere.invalid/wado-rs/studies")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let head = tokio::time::timeout(std::time::Duration::from_secs(30), proxy)
        .await
        .unwrap()
        .unwrap();
    assert!(
        head.starts_with("GET http://pacs.nowhere.invalid/wado-rs/studies HTTP/1.1"),
        "{head}"
    );
}

#[test]
fn the_memory_budget_refuses_what_does_not_fit() {
    let config = parse("[limits]\nmemory_budget_mb = 256\n");
    assert_eq!(config.limits.budget_bytes(), 256 << 20);
    let vault = Vault::new(usize::try_from(config.limits.budget_bytes()).unwrap());
    assert!(vault.check_fits(200 << 20).is_ok());
    assert!(vault.check_fits(300 << 20).is_err());
    assert!(parse("[limits]\nmemory_budget_mb = 64\n")
        .validate()
        .iter()
        .any(|p| p.contains("memory_budget_mb")));
}

#[test]
fn configured_networks_name_the_records_of_their_organisations() {
    let config = parse(
        "[[nir.networks]]\nname = \"North Imaging Network\"\nhome_community_id = \"urn:oid:2.999.1\"\n\
         ods_codes = [\"RX1\", \"RX2\"]\n\
         [[nir.networks]]\nname = \"Community diagnostics\"\nods_codes = [\"RY9\"]\n",
    );
    let known: Vec<KnownNetwork> = config.known_networks();
    assert_eq!(known.len(), 2);
    assert_eq!(known[1].home_community_id, "ods:RY9");
    let pointer = |id: &str, ods: &str| {
        format!(
            r#"{{"resource":{{"resourceType":"DocumentReference","id":"{id}",
            "custodian":{{"identifier":{{"system":"https://fhir.nhs.uk/Id/ods-organization-code","value":"{ods}"}}}},
            "content":[{{"attachment":{{"contentType":"application/dicom+json","url":"https://pacs.example.nhs.uk/studies/1/metadata"}}}}]}}}}"#
        )
    };
    let body = format!(
        r#"{{"resourceType":"Bundle","type":"searchset","entry":[{},{}]}}"#,
        pointer("a", "RX2"),
        pointer("b", "RY9")
    );
    let page = parse_bundle(body.as_bytes(), &known).unwrap();
    let names: Vec<Option<&str>> = page
        .records
        .iter()
        .map(|r| r.provider_name.as_deref())
        .collect();
    assert_eq!(
        names,
        [Some("North Imaging Network"), Some("Community diagnostics")]
    );
    let unnamed = parse("[[nir.networks]]\nname = \"Nowhere\"\n");
    assert!(unnamed
        .validate()
        .iter()
        .any(|p| p.contains("needs a home_community_id or ods_codes")));
}
