//! DejaVu Sans measured and rasterised with ab_glyph directly. plotters' own bitmap text
//! path drops each glyph's left side bearing, so letters drift and gaps open inside
//! words in the PNG ("Användbarh et"); the PNG draws its text here instead, and the
//! layout measures text here, so both agree. (The SVG leaves glyphs to the browser.)

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};

struct Faces {
    regular: FontRef<'static>,
    bold: FontRef<'static>,
}

fn faces() -> &'static Faces {
    static FACES: OnceLock<Faces> = OnceLock::new();
    FACES.get_or_init(|| Faces {
        // Embedded in the binary: a font that does not parse is a build mistake.
        regular: FontRef::try_from_slice(dejavu::sans::regular()).expect("DejaVu Sans parses"),
        bold: FontRef::try_from_slice(dejavu::sans::bold()).expect("DejaVu Sans Bold parses"),
    })
}

fn face(bold: bool) -> &'static FontRef<'static> {
    if bold {
        &faces().bold
    } else {
        &faces().regular
    }
}

/// ab_glyph scales by the line height (ascent − descent); CSS and SVG by the em.
fn scale_for(font: &FontRef<'_>, em: f64) -> PxScale {
    let per_em = font.units_per_em().unwrap_or(2048.0);
    PxScale::from((em as f32) * font.height_unscaled() / per_em)
}

/// The advance width of `text` at `em` pixels, kerning included.
pub fn width(text: &str, em: f64, bold: bool) -> f64 {
    let font = face(bold);
    let scaled = font.as_scaled(scale_for(font, em));
    let mut total = 0f32;
    let mut previous = None;
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        if let Some(before) = previous {
            total += scaled.kern(before, id);
        }
        total += scaled.h_advance(id);
        previous = Some(id);
    }
    f64::from(total)
}

/// Where the baseline sits below the anchor, as the SVG backend places it: `0.76em`
/// for a top anchor, half an x-height (`0.5ex`) for a centred one, and `-0.5ex` for a
/// bottom one.
pub fn baseline_offset(em: f64, vertical: Vertical) -> f64 {
    const HALF_EX: f64 = 0.273; // DejaVu's x-height is 0.547 em
    match vertical {
        Vertical::Top => 0.76 * em,
        Vertical::Center => HALF_EX * em,
        Vertical::Bottom => -HALF_EX * em,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vertical {
    Top,
    Center,
    Bottom,
}

/// Calls `put(x, y, coverage)` for every pixel of `text` laid out from `origin` (the
/// left end of its baseline) along the x axis; the caller rotates if it must.
pub fn rasterise(text: &str, em: f64, bold: bool, mut put: impl FnMut(f32, f32, f32)) {
    let font = face(bold);
    let scale = scale_for(font, em);
    let scaled = font.as_scaled(scale);
    let mut caret = 0f32;
    let mut previous = None;
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        if let Some(before) = previous {
            caret += scaled.kern(before, id);
        }
        let glyph = id.with_scale_and_position(scale, point(caret, 0.0));
        if let Some(outline) = font.outline_glyph(glyph) {
            // The bounds carry the side bearing plotters loses.
            let bounds = outline.px_bounds();
            outline.draw(|x, y, coverage| {
                put(bounds.min.x + x as f32, bounds.min.y + y as f32, coverage);
            });
        }
        caret += scaled.h_advance(id);
        previous = Some(id);
    }
}
