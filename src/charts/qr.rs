//! QR codes of open links, for e-service receipts, web pages and printed notices: SVG
//! (scales to any print size) and PNG (for what takes only bitmaps). Both keep the
//! four-module quiet zone the standard asks for, and use error correction level M
//! (15 %), which survives a smudged print.

use image::ImageEncoder;
use qrcode::{Color, EcLevel, QrCode, render::svg};

/// Pixels a module in the PNG: a version-3 code (a 60-character link) is 29 modules,
/// with the quiet zone 37 × 8 = 296 px, sharp at 2.5 cm printed at 300 dpi.
const PNG_MODULE_PX: u32 = 8;
const QUIET_ZONE: u32 = 4;

/// Why a QR code could not be made (a text too long for any QR code).
pub type QrError = String;

fn encode(text: &str) -> Result<QrCode, QrError> {
    QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).map_err(|e| e.to_string())
}

/// The QR code of `text` as an SVG document.
pub fn svg(text: &str) -> Result<String, QrError> {
    Ok(encode(text)?
        .render::<svg::Color>()
        .quiet_zone(true)
        .min_dimensions(256, 256)
        .build())
}

/// The QR code of `text` as a black-and-white PNG.
pub fn png(text: &str) -> Result<Vec<u8>, QrError> {
    let code = encode(text)?;
    let modules = code.width() as u32;
    let colors = code.to_colors();
    let side = (modules + 2 * QUIET_ZONE) * PNG_MODULE_PX;
    let mut pixels = vec![255u8; (side * side) as usize];
    for (index, color) in colors.iter().enumerate() {
        if *color != Color::Dark {
            continue;
        }
        let (column, row) = (index as u32 % modules, index as u32 / modules);
        let (left, top) = (
            (column + QUIET_ZONE) * PNG_MODULE_PX,
            (row + QUIET_ZONE) * PNG_MODULE_PX,
        );
        for y in top..top + PNG_MODULE_PX {
            let start = (y * side + left) as usize;
            pixels[start..start + PNG_MODULE_PX as usize].fill(0);
        }
    }
    let mut encoded = Vec::new();
    image::codecs::png::PngEncoder::new(&mut encoded)
        .write_image(&pixels, side, side, image::ColorType::L8)
        .map_err(|e| e.to_string())?;
    Ok(encoded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_png_is_square_with_its_quiet_zone_white() {
        let bytes = png("https://nyttopuls.example.se/o/abcdefghijklmnopqrstuv").unwrap();
        let decoded = image::load_from_memory(&bytes).unwrap().to_luma8();
        assert_eq!(decoded.width(), decoded.height());
        assert_eq!(decoded.width() % PNG_MODULE_PX, 0);
        // The quiet zone is white; the top-left finder pattern's corner module is dark.
        let edge = QUIET_ZONE * PNG_MODULE_PX;
        assert_eq!(decoded.get_pixel(edge - 1, edge - 1).0, [255]);
        assert_eq!(decoded.get_pixel(edge, edge).0, [0]);
    }

    #[test]
    fn the_svg_is_a_document_of_dark_modules() {
        let svg = svg("https://nyttopuls.example.se/o/abcdefghijklmnopqrstuv").unwrap();
        assert!(svg.contains("<svg") && svg.contains("<path"));
    }
}
