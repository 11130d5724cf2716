//! Opens the authorization URL in the user's browser through the platform's standard
//! opener (the `webbrowser` crate: `$BROWSER`, then xdg-open and friends on Linux; the
//! default browser on Windows and macOS). Honouring `BROWSER` is also how the tests play the
//! part of the person at the browser. The URL holds no secret (PKCE sends only the challenge).

use super::error::AuthError;

/// Something that can show a URL to the person signing in.
pub trait BrowserLauncher: Send + Sync {
    /// Opens `url`; returns once the browser has been asked to.
    fn open(&self, url: &url::Url) -> Result<(), AuthError>;
}

/// The platform's default browser.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemBrowser;

impl BrowserLauncher for SystemBrowser {
    fn open(&self, url: &url::Url) -> Result<(), AuthError> {
        if !matches!(url.scheme(), "https" | "http") {
            return Err(AuthError::Browser(format!(
                "refusing to open a {} URL",
                url.scheme()
            )));
        }
        webbrowser::open(url.as_str()).map_err(|e| AuthError::Browser(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_non_web_urls() {
        let url = url::Url::parse("file:///etc/passwd").unwrap();
        assert!(matches!(
            SystemBrowser.open(&url),
            Err(AuthError::Browser(_))
        ));
    }

    #[cfg(unix)]
    #[test]
    fn runs_the_command_named_by_browser() {
        // nextest runs each test in its own process, so BROWSER touches no other test.
        let dir = std::env::temp_dir().join(format!("nir-browser-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let marker = dir.join("opened");
        let script = dir.join("browser.sh");
        std::fs::write(
            &script,
            format!("#!/bin/sh\nprintf '%s' \"$1\" > '{}'\n", marker.display()),
        )
        .unwrap();
        std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o700))
            .unwrap();
        std::env::set_var("BROWSER", &script);
        let url = url::Url::parse("http://127.0.0.1:9/authorize?x=1").unwrap();
        SystemBrowser.open(&url).unwrap();
        let mut opened = String::new();
        for _ in 0..100 {
            opened = std::fs::read_to_string(&marker).unwrap_or_default();
            if !opened.is_empty() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(opened, url.as_str());
    }
}
