//! How WebKitGTK presents the page on Linux. Its DMA-BUF renderer hands frames to the
//! compositor through a GPU buffer; on a desktop without a GPU render node
//! (`/dev/dri/renderD*`) — virtual desktops, thin clients, a virtual display — every frame
//! then goes through software paths that cost two thirds of the frame rate while a
//! viewport changes (docs/benchmarks.md: window/level at 15–20 frames/s against 60/s with
//! the renderer off, same binary). So when no render node exists and nobody has chosen,
//! the viewer turns it off by setting `WEBKIT_DISABLE_DMABUF_RENDERER=1` before WebKit
//! starts. An explicit setting always wins: `WEBKIT_DISABLE_DMABUF_RENDERER=0` keeps the
//! DMA-BUF renderer on, any other value keeps it off (docs/configuration.md).

use std::ffi::OsStr;
use std::path::Path;

/// WebKitGTK's switch for its DMA-BUF renderer.
pub const DISABLE_DMABUF: &str = "WEBKIT_DISABLE_DMABUF_RENDERER";

/// What to do about the DMA-BUF renderer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RendererChoice {
    /// Someone set the variable: leave it as it is.
    AsConfigured,
    /// A GPU render node exists: keep WebKit's default (DMA-BUF on).
    WebKitDefault,
    /// No render node: turn the DMA-BUF renderer off.
    DisableDmaBuf,
}

/// The choice for an environment where the variable is `configured` and a render node
/// does or does not exist.
pub fn choose(configured: Option<&OsStr>, has_render_node: bool) -> RendererChoice {
    match (configured, has_render_node) {
        (Some(_), _) => RendererChoice::AsConfigured,
        (None, true) => RendererChoice::WebKitDefault,
        (None, false) => RendererChoice::DisableDmaBuf,
    }
}

/// Whether `dri` (normally `/dev/dri`) holds a `renderD*` node.
pub fn has_render_node(dri: &Path) -> bool {
    std::fs::read_dir(dri).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|entry| entry.file_name().to_string_lossy().starts_with("renderD"))
    })
}

/// Applies the choice for this machine. Call before any thread or WebView starts (it sets
/// a process environment variable).
#[cfg(target_os = "linux")]
pub fn configure() -> RendererChoice {
    let choice = choose(
        std::env::var_os(DISABLE_DMABUF).as_deref(),
        has_render_node(Path::new("/dev/dri")),
    );
    if choice == RendererChoice::DisableDmaBuf {
        std::env::set_var(DISABLE_DMABUF, "1");
    }
    choice
}

/// Not WebKitGTK (WebView2 on Windows, WKWebView on macOS): nothing to choose.
#[cfg(not(target_os = "linux"))]
pub fn configure() -> RendererChoice {
    RendererChoice::AsConfigured
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_explicit_setting_always_wins() {
        for value in ["0", "1", ""] {
            assert_eq!(
                choose(Some(OsStr::new(value)), false),
                RendererChoice::AsConfigured
            );
            assert_eq!(
                choose(Some(OsStr::new(value)), true),
                RendererChoice::AsConfigured
            );
        }
    }

    #[test]
    fn the_renderer_is_turned_off_only_without_a_render_node() {
        assert_eq!(choose(None, true), RendererChoice::WebKitDefault);
        assert_eq!(choose(None, false), RendererChoice::DisableDmaBuf);
    }

    #[test]
    fn finds_a_render_node_by_name() {
        let dir = std::env::temp_dir().join(format!("nir-dri-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("card0"), b"").unwrap();
        assert!(!has_render_node(&dir));
        std::fs::write(dir.join("renderD128"), b"").unwrap();
        assert!(has_render_node(&dir));
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(!has_render_node(&dir), "a missing directory has no node");
    }
}
