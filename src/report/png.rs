//! The report's SVG charts as PNG images for the mailed report (Outlook and Gmail do not show
//! inline SVG): rendered by resvg from the very SVG the HTML page inlines, at twice its size so
//! it stays sharp on high-density screens (the `<img>` keeps the chart's own width and height).
//! Text uses the system's fonts (fontdb; DejaVu Sans from `fonts-dejavu-core` on Debian),
//! loaded once per process.

use resvg::{tiny_skia, usvg};
use std::sync::{Arc, OnceLock};

/// Pixels per SVG unit in the PNG.
pub const SCALE: f32 = 2.0;

fn fonts() -> Arc<usvg::fontdb::Database> {
    static FONTS: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let mut db = usvg::fontdb::Database::new();
            db.load_system_fonts();
            Arc::new(db)
        })
        .clone()
}

/// The SVG text as PNG bytes; an error when it cannot be parsed or the host has no fonts
/// (every label would be missing).
pub fn png(svg: &str) -> Result<Vec<u8>, String> {
    let fonts = fonts();
    if fonts.is_empty() {
        return Err(
            "no system fonts found for the chart labels (install fonts-dejavu-core)".into(),
        );
    }
    let options = usvg::Options {
        fontdb: fonts,
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &options).map_err(|e| format!("chart SVG: {e}"))?;
    let size = tree
        .size()
        .to_int_size()
        .scale_by(SCALE)
        .ok_or("chart size out of range")?;
    let mut pixmap =
        tiny_skia::Pixmap::new(size.width(), size.height()).ok_or("chart size out of range")?;
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(
        &tree,
        tiny_skia::Transform::from_scale(SCALE, SCALE),
        &mut pixmap.as_mut(),
    );
    pixmap.encode_png().map_err(|e| format!("chart PNG: {e}"))
}
