//! The embedded NIR sandbox: synthetic services on loopback for training and tests. This
//! file only declares the parts; the mock CIS2 identity provider lives in [`cis2`].

pub mod cis2;
