//! The enrollment QR code: drawn in the terminal with Unicode half blocks,
//! and written as a PNG for printing or sending.

use anyhow::{Context, Result};
use qrcode::render::unicode::Dense1x2;
use qrcode::{Color, EcLevel, QrCode};
use std::path::Path;

/// Pixels per module in the PNG, and the quiet zone around it (modules).
const PNG_SCALE: usize = 8;
const QUIET: usize = 4;

fn code(payload: &str) -> Result<QrCode> {
    QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::M)
        .context("the enrollment text is too long for a QR code")
}

/// The QR code as text for a terminal (light modules drawn, so it reads on
/// dark and light backgrounds alike with its quiet zone).
pub fn terminal(payload: &str) -> Result<String> {
    Ok(code(payload)?
        .render::<Dense1x2>()
        .dark_color(Dense1x2::Light)
        .light_color(Dense1x2::Dark)
        .quiet_zone(true)
        .build())
}

/// Write the QR code as a black-on-white grayscale PNG.
pub fn write_png(payload: &str, path: &Path) -> Result<()> {
    let code = code(payload)?;
    let width = code.width();
    let colors = code.to_colors();
    let side = (width + 2 * QUIET) * PNG_SCALE;
    let mut pixels = vec![255u8; side * side];
    for (i, c) in colors.iter().enumerate() {
        if *c != Color::Dark {
            continue;
        }
        let (mx, my) = (i % width + QUIET, i / width + QUIET);
        for y in my * PNG_SCALE..(my + 1) * PNG_SCALE {
            let row = y * side;
            pixels[row + mx * PNG_SCALE..row + (mx + 1) * PNG_SCALE].fill(0);
        }
    }
    let file =
        std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let side32 = u32::try_from(side).context("QR code too large")?;
    let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), side32, side32);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&pixels)?;
    writer.finish()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_renders_as_text_and_png() {
        let payload = "gocua-enroll:v1?url=https://192.0.2.1:8443&code=ABCD-EFGH&fp=00";
        let text = terminal(payload).unwrap();
        assert!(text.lines().count() > 10);
        let dir = tempfile::TempDir::new().unwrap();
        let p = dir.path().join("qr.png");
        write_png(payload, &p).unwrap();
        let bytes = std::fs::read(&p).unwrap();
        assert_eq!(&bytes[1..4], b"PNG");
    }
}
