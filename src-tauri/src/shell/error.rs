//! Why the viewer could not start, in words for whoever launched it (the window is not open
//! yet, so these go to standard error). Each kind keeps its cause's own type.

use nir_core::audit::SinkError;
use nir_core::net::NetError;
use nir_sandbox::SandboxError;

/// A failure while resolving the deployment or composing the viewer.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The embedded training sandbox did not start.
    #[error("the training sandbox could not start: {0}")]
    Sandbox(#[from] SandboxError),
    /// `NIR_VIEWER_TRAINING_SANDBOX` names something other than a loopback `http` address.
    #[error("{variable} must be http://127.0.0.1:PORT (loopback only)")]
    TrainingSandboxAddress {
        /// The environment variable.
        variable: &'static str,
    },
    /// A file the configuration names (CA bundle, client certificate) could not be read.
    #[error("{0}")]
    ConfiguredFile(String),
    /// The HTTP client could not be built from the network settings.
    #[error("the network settings cannot be used: {0}")]
    Network(#[from] NetError),
    /// The configured audit destination cannot be used.
    #[error("the audit destination cannot be used: {0}")]
    Audit(#[from] SinkError),
    /// The training sandbox's description of its networks could not be read.
    #[error("the training sandbox's networks could not be read: {0}")]
    TrainingNetworks(String),
}
