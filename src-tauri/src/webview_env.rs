//! Environment the WebView reads at start-up, chosen for this machine before the window
//! opens: Mesa's shader cache off (it would write compiled shaders under the home
//! directory), and WebKit's DMA-BUF renderer off when there is no GPU render node. Without
//! a GPU that renderer presents every changed WebGL canvas through software GL, measured at
//! a third of the frame rate of WebKit's shared-memory path (docs/benchmarks.md) — the
//! usual case on virtual desktops. An administrator's own setting always wins.

use std::path::Path;

/// WebKitGTK's switch for its DMA-BUF renderer.
pub const DISABLE_DMABUF_ENV: &str = "WEBKIT_DISABLE_DMABUF_RENDERER";

/// Whether to turn the DMA-BUF renderer off: only when nobody chose and no GPU is there.
pub fn should_disable_dmabuf(already_chosen: bool, gpu_render_node: bool) -> bool {
    !already_chosen && !gpu_render_node
}

/// Whether `dri` (normally `/dev/dri`) holds a GPU render node (`renderD128`, …).
pub fn has_render_node(dri: &Path) -> bool {
    std::fs::read_dir(dri).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("renderD"))
    })
}

/// Sets the WebView's environment. Call before the window opens and before other threads
/// read the environment.
pub fn prepare() {
    std::env::set_var("MESA_SHADER_CACHE_DISABLE", "true");
    let chosen = std::env::var_os(DISABLE_DMABUF_ENV).is_some();
    if should_disable_dmabuf(chosen, has_render_node(Path::new("/dev/dri"))) {
        std::env::set_var(DISABLE_DMABUF_ENV, "1");
        tracing::info!("no GPU render node: WebKit's DMA-BUF renderer is off");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_renderer_is_turned_off_only_without_a_gpu_and_without_a_choice() {
        assert!(should_disable_dmabuf(false, false));
        assert!(!should_disable_dmabuf(false, true));
        assert!(!should_disable_dmabuf(true, false));
        assert!(!should_disable_dmabuf(true, true));
    }

    #[test]
    fn render_nodes_are_recognised_by_name() {
        let dir = std::env::temp_dir().join(format!("nir-dri-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        assert!(!has_render_node(&dir));
        std::fs::write(dir.join("card0"), b"").unwrap();
        assert!(
            !has_render_node(&dir),
            "a card node alone is not a render node"
        );
        std::fs::write(dir.join("renderD128"), b"").unwrap();
        assert!(has_render_node(&dir));
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(!has_render_node(&dir), "a missing directory means no GPU");
    }
}
