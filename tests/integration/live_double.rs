//! The live path against the second, separate double of `tests/live_double` (CIS2, an NRL v3
//! registry and the imaging providers behind it, written in Node from the public documents):
//! a throwaway CA made with `openssl`, the double on 127.0.0.1 over TLS, a managed
//! configuration pointing at it, the client key made in a real Secret Service and
//! registered with the double, then `conformance --config … --interactive` with a `BROWSER`
//! that plays the person at the browser with `curl`. The conformance output and the
//! double's own request log must both show the whole path working. A second test proves
//! the double refuses what the documents say a live service refuses, so that the first
//! test's pass means something.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::Engine;
use nir_viewer::auth::signing_key::{RsaAlgorithm, RsaSigningKey};
use serde_json::{json, Value};

use crate::dicomweb::orthanc::corpus_dir;

const PATIENT: &str = "9912003888";
const CONSUMER_ODS: &str = "X26";
const CLIENT_ID: &str = "nir-viewer-live-double";
const REDIRECT: &str = "http://127.0.0.1/callback";

/// A scratch directory, deleted when dropped (the CA and the keyring live in it).
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Self {
        let path = std::env::temp_dir().join(format!("nir-live-double-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(path.join("work")).unwrap();
        Scratch(path)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The running double; stopped (stdin closed, then killed if need be) when dropped.
struct LiveDouble {
    child: Child,
    issuer: String,
    fhir_base: String,
    log: PathBuf,
    ca: PathBuf,
}

impl LiveDouble {
    /// Makes the CA in `dir` and starts the double trusting `client_jwk` as the client's key.
    fn start(dir: &Path, client_jwk: &Path) -> Self {
        let double = repository().join("tests/live_double");
        let status = Command::new("sh")
            .arg(double.join("make_ca.sh"))
            .arg(dir)
            .status()
            .expect("sh and openssl are installed (make deps-test)");
        assert!(status.success(), "make_ca.sh failed");
        let log = dir.join("requests.jsonl");
        let stderr = std::fs::File::create(dir.join("double.err")).unwrap();
        let dicom = corpus_dir().join("CT_small.dcm");
        assert!(
            dicom.is_file(),
            "{} is missing (NIR_SHARED_DIR)",
            dicom.display()
        );
        let mut child = Command::new("node")
            .arg(double.join("server.js"))
            .args(["--tls-key", dir.join("server.key").to_str().unwrap()])
            .args(["--tls-cert", dir.join("server.pem").to_str().unwrap()])
            .args(["--client-jwk", client_jwk.to_str().unwrap()])
            .args(["--client-id", CLIENT_ID, "--redirect-uri", REDIRECT])
            .args(["--consumer-ods", CONSUMER_ODS, "--patient", PATIENT])
            .args(["--dicom", dicom.to_str().unwrap()])
            .args(["--work-dir", dir.join("work").to_str().unwrap()])
            .args(["--log", log.to_str().unwrap()])
            .args(["--max-seconds", "300", "--max-requests", "400"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(stderr))
            .spawn()
            .expect("node is installed (make deps-build)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addresses: Value = serde_json::from_str(&line).unwrap_or_else(|_| {
            let err = std::fs::read_to_string(dir.join("double.err")).unwrap_or_default();
            panic!("the double did not start: {line:?} {err}")
        });
        LiveDouble {
            child,
            issuer: addresses["issuer"].as_str().unwrap().to_owned(),
            fhir_base: addresses["fhir_base"].as_str().unwrap().to_owned(),
            log,
            ca: dir.join("ca.pem"),
        }
    }

    /// Every request the double answered, in order.
    fn requests(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }
}

impl Drop for LiveDouble {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        for _ in 0..50 {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The managed configuration of an organisation using the double.
fn write_config(path: &Path, double: &LiveDouble) {
    std::fs::write(
        path,
        format!(
            "[nir]\nflavour = \"fhir\"\nbase_url = \"{fhir}\"\n\
             [[nir.networks]]\nname = \"North Test Imaging Network\"\nods_codes = [\"X27\"]\n\
             [[nir.networks]]\nname = \"South Test Imaging Network\"\nods_codes = [\"X28\"]\n\
             [[nir.networks]]\nname = \"East Test Imaging Network\"\nods_codes = [\"X29\"]\n\
             [organisation]\nods_code = \"{CONSUMER_ODS}\"\n\
             [auth]\nissuer = \"{issuer}\"\nclient_id = \"{CLIENT_ID}\"\n\
             allowed_roles = [\"R8000\"]\n\
             [network]\nca_bundle = \"{ca}\"\n",
            fhir = double.fhir_base,
            issuer = double.issuer,
            ca = double.ca.display(),
        ),
    )
    .unwrap();
}

/// Requests to the registry's API and the providers behind it: everything but CIS2 and the
/// TLS trust check's bare request for the base URL, which only proves the handshake.
fn nir_requests<'a>(requests: &'a [Value], fhir_base: &str) -> Vec<&'a Value> {
    let base_path = url::Url::parse(fhir_base).unwrap().path().to_owned();
    requests
        .iter()
        .filter(|r| matches!(r["service"].as_str(), Some("nrl" | "wado" | "report")))
        .filter(|r| r["path"].as_str() != Some(base_path.as_str()))
        .collect()
}

fn answered<'a>(requests: &'a [Value], service: &str, route: &str) -> Vec<&'a Value> {
    requests
        .iter()
        .filter(|r| r["service"] == service && r["route"] == route && r["status"] == 200)
        .collect()
}

#[cfg(target_os = "linux")]
#[test]
fn conformance_passes_the_whole_live_path_against_the_independent_double() {
    let scratch = Scratch::new();
    let dir = &scratch.0;
    let client_jwk = dir.join("client.jwk");
    let double = LiveDouble::start(dir, &client_jwk);
    let config = dir.join("config.toml");
    write_config(&config, &double);
    let browser = dir.join("browser.sh");
    std::fs::write(
        &browser,
        format!(
            "#!/bin/sh\n# The person at the browser: the double signs the test user in at once.\n\
             exec curl --silent --show-error --location --max-time 30 --cacert '{}' \
             --output /dev/null \"$1\"\n",
            double.ca.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(
        &browser,
        std::os::unix::fs::PermissionsExt::from_mode(0o700),
    )
    .unwrap();
    let script = r#"
        set -e
        printf 'nir-viewer-test' | gnome-keyring-daemon --unlock --components=secrets >/dev/null
        "$NIR_BIN" keys generate > "$CLIENT_JWK.new"
        mv "$CLIENT_JWK.new" "$CLIENT_JWK"
        set +e
        "$NIR_BIN" conformance --config "$CONFIG" --interactive --nhs "$PATIENT" \
            > "$HOME/conformance.txt" 2> "$HOME/conformance.err"
        echo $? > "$HOME/conformance.rc"
        exit 0
    "#;
    let session = Command::new("timeout")
        .args(["240", "dbus-run-session", "--", "sh", "-c", script])
        .env("NIR_BIN", env!("CARGO_BIN_EXE_nir-viewer"))
        .env("CLIENT_JWK", &client_jwk)
        .env("CONFIG", &config)
        .env("PATIENT", PATIENT)
        .env("BROWSER", &browser)
        .env("HOME", dir)
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("XDG_RUNTIME_DIR", dir)
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env_remove("DISPLAY")
        .env_remove("NIR_VIEWER_CONFIG")
        .output()
        .expect("dbus-run-session and gnome-keyring-daemon are installed (make deps-test)");
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap_or_default();
    let (stdout, stderr) = (read("conformance.txt"), read("conformance.err"));
    let requests = double.requests();
    let fhir_base = double.fhir_base.clone();
    drop(double);
    assert!(
        session.status.success(),
        "keyring session failed: {session:?}"
    );
    let jwk: Value = serde_json::from_str(&read("client.jwk")).unwrap();
    assert_eq!(
        jwk["alg"], "RS512",
        "the key in the keyring is the registered one"
    );
    let context = format!("{stdout}\n{stderr}\nrequests:\n{requests:#?}");

    // The conformance report, check by check.
    for line in [
        "PASS configuration: valid",
        "PASS TLS trust: NIR: 127.0.0.1 verified against the configured CA bundle",
        "PASS TLS trust: CIS2: 127.0.0.1 verified against the configured CA bundle",
        "PASS sign-in: OIDC discovery document",
        "PASS sign-in: JWKS",
        "PASS sign-in: client configuration",
        "PASS sign-in: interactive",
    ] {
        assert!(stdout.contains(line), "{line} missing:\n{context}");
    }
    let discovery = stdout
        .lines()
        .find(|l| l.contains("discovery (fhir): test patient 1"))
        .unwrap_or_else(|| panic!("no discovery check:\n{context}"));
    assert!(
        discovery.starts_with("PASS discovery (fhir): test patient 1: 2 records"),
        "discovery should find both pointers, across both pages:\n{context}"
    );
    for network in ["North Test Imaging Network", "South Test Imaging Network"] {
        assert!(
            discovery.contains(network),
            "{network} not attributed:\n{context}"
        );
    }
    assert!(
        discovery.contains("incomplete") && discovery.contains("East Test Imaging Network"),
        "the registry's outcome entry names a provider that did not answer:\n{context}"
    );
    let passed = |prefix: &str, detail: &str| {
        stdout
            .lines()
            .any(|l| l.starts_with(prefix) && l.contains(detail))
    };
    assert!(
        passed(
            "PASS live path (fhir): test patient 1: first study: ",
            "first image retrieved, verified and decoded"
        ),
        "no study retrieved and decoded:\n{context}"
    );
    assert!(
        passed(
            "PASS live path (fhir): test patient 1: first report: ",
            "text and PDF read"
        ),
        "no report read:\n{context}"
    );
    let failing: Vec<&str> = stdout.lines().filter(|l| l.starts_with("FAIL ")).collect();
    assert!(
        failing.is_empty(),
        "failing checks {failing:#?}:\n{context}"
    );
    assert_eq!(read("conformance.rc").trim(), "0", "{context}");

    // What the double saw: sign-in by the documents, then the whole NIR path.
    let token_calls: Vec<&Value> = requests
        .iter()
        .filter(|r| {
            r["service"] == "cis2" && r["path"].as_str().unwrap().ends_with("/access_token")
        })
        .collect();
    assert!(
        token_calls.iter().any(|r| r["client_authenticated"] == true
            && r["pkce"] == "verified"
            && r["status"] == 200),
        "no code exchange with private_key_jwt and PKCE:\n{context}"
    );
    assert!(
        requests.iter().any(|r| r["service"] == "cis2"
            && r["path"].as_str().unwrap().ends_with("/userinfo")
            && r["status"] == 200),
        "the roles were never read from UserInfo:\n{context}"
    );
    let first_pages: Vec<&Value> = requests
        .iter()
        .filter(|r| r["service"] == "nrl" && r["page"] == 1 && r["status"] == 200)
        .collect();
    assert!(!first_pages.is_empty(), "no search answered:\n{context}");
    assert!(
        !answered(&requests, "nrl", "next page").is_empty(),
        "Bundle.link next was not followed:\n{context}"
    );
    assert!(
        !answered(&requests, "wado", "metadata").is_empty(),
        "no WADO-RS metadata:\n{context}"
    );
    assert!(
        requests.iter().any(|r| r["service"] == "wado"
            && r["route"].as_str().unwrap_or("").starts_with("retrieve")
            && r["status"] == 200),
        "no instance retrieved:\n{context}"
    );
    assert!(
        !answered(&requests, "report", "read report").is_empty(),
        "the report was not read:\n{context}"
    );
    let nir = nir_requests(&requests, &fhir_base);
    assert!(nir.len() >= 5, "{context}");
    for request in &nir {
        let headers = &request["headers"];
        assert!(
            headers["ods"] == "valid"
                && headers["ods_is_consumer"] == true
                && headers["request_id"] == "uuid"
                && headers["bearer"] == "valid",
            "a NIR request without the ODS header, a UUID X-Request-ID and the token: \
             {request}\n{context}"
        );
    }
}

/// A client for probing the double: trusts only the throwaway CA, follows no redirect.
fn probe_client(ca: &Path) -> reqwest::Client {
    let _installed = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let certs = reqwest::Certificate::from_pem_bundle(&std::fs::read(ca).unwrap()).unwrap();
    reqwest::Client::builder()
        .tls_backend_rustls()
        .tls_certs_only(certs)
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn jwt_payload(token: &str) -> Value {
    let part = token.split('.').nth(1).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(part)
            .unwrap(),
    )
    .unwrap()
}

fn spine_code(body: &Value) -> &str {
    body["issue"][0]["details"]["coding"][0]["code"]
        .as_str()
        .unwrap_or("")
}

/// One authorization request approved by the double; the code it redirected with.
async fn authorize(http: &reqwest::Client, endpoint: &str, challenge: &str) -> String {
    let answer = http
        .get(endpoint)
        .query(&[
            ("response_type", "code"),
            ("client_id", CLIENT_ID),
            ("redirect_uri", "http://127.0.0.1:50123/callback"),
            ("scope", "openid profile nationalrbacaccess"),
            ("state", "s"),
            ("nonce", "n"),
            ("code_challenge", challenge),
            ("code_challenge_method", "S256"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 302);
    let location = url::Url::parse(answer.headers()["location"].to_str().unwrap()).unwrap();
    assert_eq!(location.port(), Some(50123), "any loopback port is allowed");
    let code = location.query_pairs().find(|(k, _)| k == "code").unwrap().1;
    code.into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_live_double_refuses_what_the_documents_say_the_services_refuse() {
    let scratch = Scratch::new();
    let dir = &scratch.0;
    let key = RsaSigningKey::generate().unwrap();
    let other = RsaSigningKey::generate().unwrap();
    let client_jwk = dir.join("client.jwk");
    std::fs::write(&client_jwk, key.public_jwk(RsaAlgorithm::Rs512).to_string()).unwrap();
    let double = tokio::task::block_in_place(|| LiveDouble::start(dir, &client_jwk));
    let http = probe_client(&double.ca);
    let metadata: Value = http
        .get(format!(
            "{}/.well-known/openid-configuration",
            double.issuer
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token_endpoint = metadata["token_endpoint"].as_str().unwrap().to_owned();
    let authorization = metadata["authorization_endpoint"].as_str().unwrap();

    // Authorization: an unregistered redirect is never followed; PKCE is required.
    let foreign = http
        .get(authorization)
        .query(&[
            ("response_type", "code"),
            ("client_id", CLIENT_ID),
            ("redirect_uri", "https://attacker.example/callback"),
            ("scope", "openid"),
            ("state", "s"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 400);
    assert!(foreign.headers().get("location").is_none());
    let no_pkce = http
        .get(authorization)
        .query(&[
            ("response_type", "code"),
            ("client_id", CLIENT_ID),
            ("redirect_uri", "http://127.0.0.1:50123/callback"),
            ("scope", "openid"),
            ("state", "s"),
        ])
        .send()
        .await
        .unwrap();
    let location = no_pkce.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.contains("error=invalid_request"), "{location}");

    // The token endpoint: private_key_jwt by the registered key, for this endpoint, once.
    let verifier = "a".repeat(43) + "-live-double-verifier";
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(
        aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes()),
    );
    let code = authorize(&http, authorization, &challenge).await;
    let assertion = |signer: &RsaSigningKey, aud: &str, jti: &str| {
        signer
            .sign_jwt(
                RsaAlgorithm::Rs512,
                &json!({ "iss": CLIENT_ID, "sub": CLIENT_ID, "aud": aud, "jti": jti,
                         "exp": unix_now() + 60, "iat": unix_now() }),
            )
            .unwrap()
    };
    let exchange = |assertion: String, code: String| {
        let http = http.clone();
        let endpoint = token_endpoint.clone();
        let verifier = verifier.clone();
        async move {
            let answer = http
                .post(endpoint)
                .form(&[
                    ("grant_type", "authorization_code"),
                    ("code", code.as_str()),
                    ("redirect_uri", "http://127.0.0.1:50123/callback"),
                    ("code_verifier", verifier.as_str()),
                    ("client_id", CLIENT_ID),
                    (
                        "client_assertion_type",
                        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                    ),
                    ("client_assertion", assertion.as_str()),
                ])
                .send()
                .await
                .unwrap();
            let status = answer.status().as_u16();
            (status, answer.json::<Value>().await.unwrap())
        }
    };
    let (status, body) = exchange(assertion(&other, &token_endpoint, "j1"), code.clone()).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client")),
        "{body}"
    );
    let (status, body) = exchange(assertion(&key, &double.issuer, "j2"), code.clone()).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client")),
        "{body}"
    );
    let accepted = assertion(&key, &token_endpoint, "j3");
    let (status, tokens) = exchange(accepted.clone(), code.clone()).await;
    assert_eq!(status, 200, "{tokens}");
    let second = authorize(&http, authorization, &challenge).await;
    let (status, body) = exchange(accepted, second).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client")),
        "{body}"
    );

    // The ID token names the selected role; the roles themselves come from UserInfo.
    let id_token = jwt_payload(tokens["id_token"].as_str().unwrap());
    assert!(id_token.get("nhsid_nrbac_roles").is_none(), "{id_token}");
    assert_eq!(id_token["acr"], "AAL3_ANY");
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let userinfo: Value = http
        .get(metadata["userinfo_endpoint"].as_str().unwrap())
        .bearer_auth(&access)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(userinfo["nhsid_nrbac_roles"]
        .as_array()
        .unwrap()
        .iter()
        .any(|role| role["person_roleid"] == id_token["selected_roleid"]));

    // The registry: the gateway's and the API's refusals, then a documented search.
    let search = format!("{}DocumentReference/_search", double.fhir_base);
    let body =
        json!({ "subject:identifier": format!("https://fhir.nhs.uk/Id/nhs-number|{PATIENT}") });
    let request_id = uuid::Uuid::new_v4().to_string();
    let send = |headers: Vec<(&'static str, String)>, json_body: bool| {
        let mut request = http.post(&search);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        request = if json_body {
            request.json(&body)
        } else {
            request
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(format!(
                    "subject%3Aidentifier=https%3A%2F%2Ffhir.nhs.uk%2FId%2Fnhs-number%7C{PATIENT}"
                ))
        };
        async move {
            let answer = request.send().await.unwrap();
            let status = answer.status().as_u16();
            let echoed = answer
                .headers()
                .get("x-request-id")
                .map(|v| v.to_str().unwrap().to_owned());
            let content_type = answer.headers()["content-type"]
                .to_str()
                .unwrap()
                .to_owned();
            (
                status,
                echoed,
                content_type,
                answer.json::<Value>().await.unwrap(),
            )
        }
    };
    let bearer = ("Authorization", format!("Bearer {access}"));
    let ods = ("NHSD-End-User-Organisation-ODS", CONSUMER_ODS.to_owned());
    let id = ("X-Request-ID", request_id.clone());
    let (status, _, _, outcome) = send(vec![ods.clone(), id.clone()], true).await;
    assert_eq!((status, spine_code(&outcome)), (401, "ACCESS_DENIED"));
    let (status, _, _, outcome) = send(vec![bearer.clone(), id.clone()], true).await;
    assert_eq!((status, spine_code(&outcome)), (400, "PRECONDITION_FAILED"));
    let not_uuid = ("X-Request-ID", "request-1".to_owned());
    let (status, _, _, outcome) = send(vec![bearer.clone(), ods.clone(), not_uuid], true).await;
    assert_eq!(
        (status, spine_code(&outcome)),
        (400, "MISSING_OR_INVALID_HEADER")
    );
    let all = vec![bearer.clone(), ods.clone(), id.clone()];
    let (status, _, _, outcome) = send(all.clone(), false).await;
    assert_eq!(
        (status, spine_code(&outcome)),
        (400, "MESSAGE_NOT_WELL_FORMED")
    );
    let (status, echoed, content_type, bundle) = send(all, true).await;
    assert_eq!(status, 200, "{bundle}");
    assert_eq!(echoed.as_deref(), Some(request_id.as_str()));
    assert_eq!(content_type, "application/fhir+json;version=1");
    let entries = bundle["entry"].as_array().unwrap();
    let modes: Vec<&str> = entries
        .iter()
        .map(|e| e["search"]["mode"].as_str().unwrap())
        .collect();
    assert_eq!(modes, ["match", "outcome"]);
    let pointer = &entries[0]["resource"];
    assert!(
        pointer.get("extension").is_none(),
        "no private extension: {pointer}"
    );
    assert_eq!(pointer["custodian"]["identifier"]["value"], "X27");
    assert_eq!(bundle["total"], 2);
    let next = bundle["link"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|l| (l["relation"] == "next").then(|| l["url"].as_str().unwrap().to_owned()))
        .expect("a link to the next page");
    assert!(!next.contains(PATIENT), "the page link is opaque: {next}");

    // The imaging provider wants the token too.
    let study = pointer["content"][0]["attachment"]["url"].as_str().unwrap();
    let refused = http.get(study).send().await.unwrap();
    assert_eq!(refused.status(), 401);
    let metadata = http.get(study).bearer_auth(&access).send().await.unwrap();
    assert_eq!(metadata.status(), 200);
    assert_eq!(metadata.headers()["content-type"], "application/dicom+json");
    let instances: Value = metadata.json().await.unwrap();
    assert_eq!(instances[0]["00100020"]["Value"][0], PATIENT);
    drop(double);
}
