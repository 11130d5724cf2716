//! The provider networks the sandbox simulates: each has its own ODS code, care setting,
//! home community id and repository, and serves WADO-RS/QIDO-RS under
//! `/networks/<id>/dicomweb` and its report resources under `/networks/<id>/fhir`.

/// One simulated imaging network.
#[derive(Debug, Clone, Copy)]
pub struct Network {
    /// Path segment and discovery-document id.
    pub id: &'static str,
    /// Human-readable name.
    pub name: &'static str,
    /// ODS code of the custodian organisation.
    pub ods_code: &'static str,
    /// Care-setting name shown to clinicians.
    pub care_setting: &'static str,
    /// SNOMED code of the practice setting.
    pub practice_setting_code: &'static str,
    /// Home community id, `urn:oid:...`.
    pub home_community_id: &'static str,
    /// XDS repository unique id (an OID).
    pub repository_unique_id: &'static str,
}

/// The network whose gateway never answers in the network-unavailable scenario.
pub const UNAVAILABLE_NETWORK: usize = 2;

/// The sandbox's networks, fixed order (the index is stored in the catalogue).
pub const NETWORKS: [Network; 3] = [
    Network {
        id: "north",
        name: "North Imaging Network",
        ods_code: "Y90001",
        care_setting: "Acute hospital radiology",
        practice_setting_code: "394914008",
        home_community_id: "urn:oid:2.999.2.1",
        repository_unique_id: "2.999.2.1.1",
    },
    Network {
        id: "midlands",
        name: "Midlands Imaging Network",
        ods_code: "Y90002",
        care_setting: "Community diagnostic centre",
        practice_setting_code: "708175003",
        home_community_id: "urn:oid:2.999.2.2",
        repository_unique_id: "2.999.2.2.1",
    },
    Network {
        id: "south",
        name: "South Imaging Network",
        ods_code: "Y90003",
        care_setting: "Specialist cancer centre",
        practice_setting_code: "394592004",
        home_community_id: "urn:oid:2.999.2.3",
        repository_unique_id: "2.999.2.3.1",
    },
];

/// The index of the network with this path id.
pub fn network_index(id: &str) -> Option<usize> {
    NETWORKS.iter().position(|n| n.id == id)
}

/// The index of the network with this home community id (with or without `urn:oid:`).
pub fn network_by_home_community(hcid: &str) -> Option<usize> {
    let bare = hcid.trim().trim_start_matches("urn:oid:");
    NETWORKS
        .iter()
        .position(|n| n.home_community_id.trim_start_matches("urn:oid:") == bare)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_find_each_network() {
        for (i, n) in NETWORKS.iter().enumerate() {
            assert_eq!(network_index(n.id), Some(i));
            assert_eq!(network_by_home_community(n.home_community_id), Some(i));
        }
        assert_eq!(network_index("west"), None);
        assert_eq!(network_by_home_community("2.999.2.3"), Some(2));
    }
}
