//! The mock CIS2's test users. Every name and number is synthetic. Between them they
//! exercise each decision the viewer makes: a smartcard clinician in an allowed role, a
//! password-only user (too little assurance), a smartcard user whose role is not allowed,
//! an administrator, and a clinician whose tokens expire within seconds.

use serde_json::{json, Value};

/// ODS code of the sandbox's training organisation.
pub const TRAINING_ODS: &str = "XTR01";

/// A person who can sign in to the mock provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestUser {
    /// Value for `login_hint`.
    pub id: &'static str,
    /// UUID-style CIS2 user id (`sub`, `nhsid_useruid`).
    pub uid: &'static str,
    /// Display name.
    pub name: &'static str,
    /// Authentication methods (`amr`).
    pub amr: &'static [&'static str],
    /// Assurance level (`acr`).
    pub acr: &'static str,
    /// Role profile id selected at sign-in.
    pub selected_role: &'static str,
    /// `(person_roleid, role_code, role_name)` of every role the user holds.
    pub roles: &'static [(&'static str, &'static str, &'static str)],
    /// Access token lifetime in seconds.
    pub token_lifetime: u64,
    /// What the sign-in page says about the user.
    pub summary: &'static str,
}

/// All test users.
pub const USERS: &[TestUser] = &[
    TestUser {
        id: "clinician",
        uid: "910000000001",
        name: "TRAINING, Robin (Dr)",
        amr: &["N3_SMARTCARD"],
        acr: "AAL3_ANY",
        selected_role: "920000000101",
        roles: &[(
            "920000000101",
            "S8000:G8000:R8000",
            "Clinical Practitioner Access Role",
        )],
        token_lifetime: 300,
        summary: "smartcard, Clinical Practitioner (R8000): allowed",
    },
    TestUser {
        id: "password-user",
        uid: "910000000002",
        name: "TRAINING, Sam",
        amr: &["pwd"],
        acr: "AAL1_USERPASS",
        selected_role: "920000000201",
        roles: &[(
            "920000000201",
            "S8000:G8000:R8000",
            "Clinical Practitioner Access Role",
        )],
        token_lifetime: 300,
        summary: "password only: refused by the viewer (no smartcard)",
    },
    TestUser {
        id: "receptionist",
        uid: "910000000003",
        name: "TRAINING, Jo",
        amr: &["N3_SMARTCARD"],
        acr: "AAL3_ANY",
        selected_role: "920000000301",
        roles: &[(
            "920000000301",
            "S8002:G8003:R8008",
            "Admin/Clinical Support Access Role",
        )],
        token_lifetime: 300,
        summary: "smartcard, role R8008: refused by the viewer (role not allowed)",
    },
    TestUser {
        id: "admin",
        uid: "910000000004",
        name: "TRAINING, Admin",
        amr: &["N3_SMARTCARD"],
        acr: "AAL3_ANY",
        selected_role: "920000000402",
        roles: &[
            (
                "920000000401",
                "S8000:G8000:R8000",
                "Clinical Practitioner Access Role",
            ),
            ("920000000402", "S9000:G9000:R9000", "Sandbox Administrator"),
        ],
        token_lifetime: 300,
        summary: "smartcard, administrator role selected (allowed only if configured)",
    },
    TestUser {
        id: "short-lived",
        uid: "910000000005",
        name: "TRAINING, Kit (Dr)",
        amr: &["N3_SMARTCARD"],
        acr: "AAL3_ANY",
        selected_role: "920000000501",
        roles: &[(
            "920000000501",
            "S8000:G8000:R8000",
            "Clinical Practitioner Access Role",
        )],
        token_lifetime: 2,
        summary: "smartcard clinician whose tokens expire after 2 seconds",
    },
];

/// The user with `id`.
pub fn find(id: &str) -> Option<&'static TestUser> {
    USERS.iter().find(|user| user.id == id)
}

impl TestUser {
    /// The claims CIS2 puts in the ID token: the standard ones, `acr`/`amr` and the
    /// selected role — but not the roles themselves, which come from UserInfo (CIS2
    /// developer guidance, "Scopes and claims").
    pub fn id_token_claims(&self) -> Value {
        let mut claims = self.userinfo_claims();
        if let Some(object) = claims.as_object_mut() {
            object.remove("nhsid_nrbac_roles");
            object.insert("acr".into(), json!(self.acr));
            object.insert("amr".into(), json!(self.amr));
        }
        claims
    }

    /// The claims UserInfo returns for the `openid profile nationalrbacaccess` scopes.
    pub fn userinfo_claims(&self) -> Value {
        let (family, given) = self.name.split_once(", ").unwrap_or((self.name, ""));
        let roles: Vec<Value> = self
            .roles
            .iter()
            .map(|(id, code, name)| {
                json!({ "person_roleid": id, "role_code": code, "role_name": name,
                        "org_code": TRAINING_ODS, "person_orgid": "930000000001" })
            })
            .collect();
        json!({
            "sub": self.uid, "name": self.name, "family_name": family, "given_name": given,
            "nhsid_useruid": self.uid, "selected_roleid": self.selected_role,
            "nhsid_nrbac_roles": roles,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_are_distinct_and_select_a_role_they_hold() {
        for user in USERS {
            assert_eq!(find(user.id), Some(user));
            assert!(user
                .roles
                .iter()
                .any(|(id, _, _)| *id == user.selected_role));
            let claims = user.id_token_claims();
            assert_eq!(claims["selected_roleid"], user.selected_role);
            assert!(claims.get("nhsid_nrbac_roles").is_none());
            assert!(user.userinfo_claims()["nhsid_nrbac_roles"].is_array());
        }
        assert!(find("nobody").is_none());
    }
}
