//! The UserInfo request (OpenID Connect Core §5.3) and the RBAC role decision. CIS2 puts
//! the standard claims, `acr`/`amr` and `selected_roleid` in the ID token, but the claims of
//! its custom scopes — `nhsid_nrbac_roles` from `nationalrbacaccess`, among others — are
//! returned by the UserInfo endpoint, called with the access token (CIS2 developer
//! guidance, "Scopes and claims"). So after the code exchange the viewer asks UserInfo for
//! the person's roles, checks that its `sub` is the ID token's (§5.3.2), and only when
//! UserInfo names no roles falls back to roles carried in the ID token. The selected role
//! must be one of the person's roles and its code must contain an allowed RBAC role code.

use serde::Deserialize;
use zeroize::Zeroizing;

use super::error::{AuthError, RoleError};
use super::id_token::{Identity, SignInClaims};

/// Largest UserInfo answer read; a person with many role profiles stays far below it.
const USERINFO_BODY_LIMIT: usize = 512 * 1024;

/// One RBAC role profile of the person (an entry of `nhsid_nrbac_roles`).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct RbacRole {
    /// The role profile's id; `selected_roleid` names one of these.
    pub person_roleid: String,
    /// The job role code, e.g. `S8000:G8000:R8000`.
    pub role_code: String,
    /// The job role's display name.
    #[serde(default)]
    pub role_name: Option<String>,
    /// ODS code of the organisation the role profile belongs to.
    #[serde(default)]
    pub org_code: Option<String>,
}

/// What UserInfo said about the person.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
pub struct UserInfo {
    /// Must equal the ID token's `sub`.
    pub sub: String,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// The person's UUID.
    #[serde(default)]
    pub nhsid_useruid: Option<String>,
    /// The person's role profiles; `None` when UserInfo did not send the claim at all.
    #[serde(default)]
    pub nhsid_nrbac_roles: Option<Vec<RbacRole>>,
}

/// Where the roles that decided came from, for the log and the conformance report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleSource {
    /// The UserInfo endpoint (what CIS2 documents).
    UserInfo,
    /// The ID token (a provider that puts them there; fallback).
    IdToken,
}

/// Asks `endpoint` for the claims of the person holding `access_token`.
pub async fn fetch_userinfo(
    client: &reqwest::Client,
    endpoint: &url::Url,
    access_token: &str,
) -> Result<UserInfo, AuthError> {
    let unreadable = |reason: String| AuthError::Role(RoleError::Unreadable(reason));
    let mut response = client
        .get(endpoint.clone())
        .bearer_auth(access_token)
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| unreadable(e.without_url().to_string()))?;
    if !response.status().is_success() {
        return Err(unreadable(format!(
            "UserInfo answered HTTP {}",
            response.status()
        )));
    }
    let mut body = Zeroizing::new(Vec::new());
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| unreadable(e.without_url().to_string()))?
    {
        if body.len() + chunk.len() > USERINFO_BODY_LIMIT {
            return Err(unreadable("UserInfo answer is too large".into()));
        }
        body.extend_from_slice(&chunk);
    }
    // A signed UserInfo answer (application/jwt) is allowed by OIDC Core §5.3.2; CIS2
    // documents JSON, and the viewer reads JSON only.
    serde_json::from_slice(&body)
        .map_err(|e| unreadable(format!("UserInfo answer is not the expected JSON ({e})")))
}

/// Decides who signed in and in which role, from the validated ID token and, when it could
/// be fetched, UserInfo. `userinfo_failure` is why UserInfo could not be read, if it was
/// asked and failed.
pub fn decide_identity(
    claims: SignInClaims,
    userinfo: Option<UserInfo>,
    userinfo_failure: Option<AuthError>,
    allowed_roles: &[String],
) -> Result<(Identity, RoleSource), AuthError> {
    if let Some(info) = &userinfo {
        if info.sub != claims.subject {
            return Err(AuthError::Role(RoleError::Unreadable(
                "UserInfo describes another person than the ID token (sub differs)".into(),
            )));
        }
    }
    let (roles, source) = match userinfo.as_ref().and_then(|i| i.nhsid_nrbac_roles.clone()) {
        Some(roles) => (roles, RoleSource::UserInfo),
        None => match (&claims.roles, userinfo_failure) {
            (Some(roles), _) => (roles.clone(), RoleSource::IdToken),
            (None, Some(failure)) => return Err(failure),
            (None, None) => (Vec::new(), RoleSource::UserInfo),
        },
    };
    if roles.is_empty() {
        return Err(AuthError::Role(RoleError::NoRoles));
    }
    let role_id = claims.selected_role_id.ok_or(RoleError::NoneSelected)?;
    let role = roles
        .into_iter()
        .find(|role| role.person_roleid == role_id)
        .ok_or(RoleError::NotTheirs)?;
    let allowed = role
        .role_code
        .split(':')
        .any(|part| allowed_roles.iter().any(|allowed| allowed == part));
    if !allowed {
        let shown: String = role.role_code.chars().take(48).collect();
        return Err(AuthError::Role(RoleError::NotAllowed(shown)));
    }
    let name = userinfo
        .as_ref()
        .and_then(|i| i.name.clone())
        .or(claims.name);
    let user_uid = userinfo
        .as_ref()
        .and_then(|i| i.nhsid_useruid.clone())
        .or(claims.user_uid);
    Ok((
        Identity {
            subject: claims.subject,
            user_uid,
            name,
            role_id,
            role_code: role.role_code,
            role_name: role.role_name,
            ods: role.org_code,
        },
        source,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(roles: Option<Vec<RbacRole>>) -> SignInClaims {
        SignInClaims {
            subject: "555000000001".into(),
            user_uid: None,
            name: None,
            selected_role_id: Some("900000000101".into()),
            roles,
        }
    }

    fn role(id: &str, code: &str) -> RbacRole {
        RbacRole {
            person_roleid: id.into(),
            role_code: code.into(),
            role_name: Some("Clinical Practitioner".into()),
            org_code: Some("X26".into()),
        }
    }

    fn info(roles: Option<Vec<RbacRole>>) -> UserInfo {
        UserInfo {
            sub: "555000000001".into(),
            name: Some("TRAINING Clinician".into()),
            nhsid_useruid: Some("555000000001".into()),
            nhsid_nrbac_roles: roles,
        }
    }

    fn allowed() -> Vec<String> {
        vec!["R8000".into()]
    }

    #[test]
    fn roles_come_from_userinfo() {
        let (identity, source) = decide_identity(
            claims(None),
            Some(info(Some(vec![role("900000000101", "S8000:G8000:R8000")]))),
            None,
            &allowed(),
        )
        .unwrap();
        assert_eq!(source, RoleSource::UserInfo);
        assert_eq!(identity.role_code, "S8000:G8000:R8000");
        assert_eq!(identity.ods.as_deref(), Some("X26"));
        assert_eq!(identity.name.as_deref(), Some("TRAINING Clinician"));
    }

    #[test]
    fn userinfo_roles_win_over_id_token_roles() {
        let outcome = decide_identity(
            claims(Some(vec![role("900000000101", "S8000:G8000:R8000")])),
            Some(info(Some(vec![role("900000000101", "S8002:G8003:R8008")]))),
            None,
            &allowed(),
        );
        assert!(
            matches!(outcome, Err(AuthError::Role(RoleError::NotAllowed(code))) if code.contains("R8008"))
        );
    }

    #[test]
    fn the_id_token_is_only_a_fallback() {
        let fallback = claims(Some(vec![role("900000000101", "S8000:G8000:R8000")]));
        let (_, source) =
            decide_identity(fallback.clone(), Some(info(None)), None, &allowed()).unwrap();
        assert_eq!(source, RoleSource::IdToken);
        let failure = AuthError::Role(RoleError::Unreadable("HTTP 500".into()));
        let (_, source) = decide_identity(fallback, None, Some(failure), &allowed()).unwrap();
        assert_eq!(source, RoleSource::IdToken);
    }

    #[test]
    fn no_roles_unreadable_roles_and_disallowed_roles_are_told_apart() {
        let none = decide_identity(claims(None), Some(info(Some(Vec::new()))), None, &allowed());
        assert!(matches!(none, Err(AuthError::Role(RoleError::NoRoles))));
        let absent = decide_identity(claims(None), Some(info(None)), None, &allowed());
        assert!(matches!(absent, Err(AuthError::Role(RoleError::NoRoles))));
        let failure = AuthError::Role(RoleError::Unreadable("HTTP 503".into()));
        let unreadable = decide_identity(claims(None), None, Some(failure), &allowed());
        assert!(matches!(
            unreadable,
            Err(AuthError::Role(RoleError::Unreadable(_)))
        ));
        let other = decide_identity(
            claims(None),
            Some(info(Some(vec![role("900000000999", "S8000:G8000:R8000")]))),
            None,
            &allowed(),
        );
        assert!(matches!(other, Err(AuthError::Role(RoleError::NotTheirs))));
        let mut unselected = claims(None);
        unselected.selected_role_id = None;
        let outcome = decide_identity(
            unselected,
            Some(info(Some(vec![role("900000000101", "S8000:G8000:R8000")]))),
            None,
            &allowed(),
        );
        assert!(matches!(
            outcome,
            Err(AuthError::Role(RoleError::NoneSelected))
        ));
    }

    #[test]
    fn userinfo_about_another_person_is_refused() {
        let mut stranger = info(Some(vec![role("900000000101", "S8000:G8000:R8000")]));
        stranger.sub = "999".into();
        let outcome = decide_identity(claims(None), Some(stranger), None, &allowed());
        assert!(matches!(
            outcome,
            Err(AuthError::Role(RoleError::Unreadable(_)))
        ));
    }
}
