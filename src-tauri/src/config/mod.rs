//! Configuration in force: the managed file an organisation installs
//! (`/etc/nir-viewer/config.toml`, or the path in `NIR_VIEWER_CONFIG`). Its absence is
//! meaningful: with no NIR configuration the viewer runs in training mode against the
//! embedded sandbox, and says so on screen.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::UserFacing;

/// Where the managed configuration lives on Linux unless `NIR_VIEWER_CONFIG` says otherwise.
pub const MANAGED_CONFIG_PATH: &str = "/etc/nir-viewer/config.toml";

/// Environment variable naming an alternative managed configuration file.
pub const CONFIG_PATH_ENV: &str = "NIR_VIEWER_CONFIG";

/// The managed configuration. Fields are filled in by the modules that use them.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// How to reach NIR.
    pub nir: NirEndpoint,
}

/// The NIR discovery endpoint and which flavour it speaks.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NirEndpoint {
    /// `fhir` (MHD ITI-67 / NRL v3) or `xca` (ITI-38/39).
    pub flavour: Flavour,
    /// Base URL of the discovery service.
    pub base_url: url::Url,
}

/// The two discovery designs NIR may run.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Flavour {
    /// FHIR DocumentReference search.
    Fhir,
    /// IHE cross-community query over SOAP.
    Xca,
}

/// Why the configuration could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file exists but could not be read.
    #[error("cannot read {path}: {source}")]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// The I/O failure.
        source: std::io::Error,
    },
    /// The file is not valid TOML or has unknown or missing settings.
    #[error("{path} is not a valid configuration: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The parser's description of what is wrong.
        message: String,
    },
}

impl UserFacing for ConfigError {
    fn code(&self) -> &'static str {
        "invalid-configuration"
    }
    fn user_message(&self) -> String {
        format!("The viewer's configuration is not usable ({self}). Contact your IT service desk.")
    }
}

/// The path of the managed configuration file in force.
pub fn managed_config_path() -> PathBuf {
    std::env::var_os(CONFIG_PATH_ENV)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(MANAGED_CONFIG_PATH))
}

/// Loads the managed configuration; `Ok(None)` when there is none (training mode).
pub fn load_managed() -> Result<Option<Config>, ConfigError> {
    load_from(&managed_config_path())
}

/// Loads a configuration file; `Ok(None)` when the file does not exist.
pub fn load_from(path: &Path) -> Result<Option<Config>, ConfigError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(ConfigError::Unreadable {
                path: path.to_owned(),
                source,
            })
        }
    };
    parse(&text)
        .map(Some)
        .map_err(|message| ConfigError::Invalid {
            path: path.to_owned(),
            message,
        })
}

/// Parses configuration text.
pub fn parse(text: &str) -> Result<Config, String> {
    toml::from_str(text).map_err(|error| error.message().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_file_means_training_mode() {
        let path = Path::new("/nonexistent/nir-viewer/config.toml");
        assert!(load_from(path).unwrap().is_none());
    }

    #[test]
    fn parses_a_minimal_fhir_configuration() {
        let config = parse(
            "[nir]\nflavour = \"fhir\"\nbase_url = \"https://nir.example.nhs.uk/FHIR/R4/\"\n",
        )
        .unwrap();
        assert_eq!(config.nir.flavour, Flavour::Fhir);
    }

    #[test]
    fn rejects_unknown_settings_and_flavours() {
        assert!(
            parse("[nir]\nflavour = \"fhir\"\nbase_url = \"https://x/\"\nwpad = true\n").is_err()
        );
        assert!(parse("[nir]\nflavour = \"hl7v2\"\nbase_url = \"https://x/\"\n").is_err());
    }
}
