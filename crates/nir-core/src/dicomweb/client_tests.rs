use super::*;

#[test]
fn reads_the_error_description_of_a_bearer_challenge() {
    let challenge = r#"Bearer realm="nir", error="invalid_token", error_description="The access token expired""#;
    assert_eq!(
        error_description(challenge).as_deref(),
        Some("The access token expired")
    );
    assert_eq!(error_description("Bearer realm=\"nir\""), None);
}
