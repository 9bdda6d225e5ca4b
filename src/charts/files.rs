//! Charts as files: which chart a file name (`sus.svg`, `response_rate.png`) names, the
//! sizes files are drawn at, and a chart's bytes in its format.

use super::{Chart, ChartError, ChartMetric, png_in, svg_in};
use crate::domain::{Error, Language};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartFormat {
    Svg,
    Png,
}

/// Chart sizes: readable on a page and on a large screen.
pub const SIZE: (u32, u32) = (800, 450);
pub const LARGE: (u32, u32) = (1600, 900);

/// `sus.svg`, `response_rate.png`: which chart, in which format.
pub fn parse_chart_file(file: &str) -> Result<(ChartMetric, ChartFormat), Error> {
    let names = || ChartMetric::ALL.map(ChartMetric::as_str).join(", ");
    let (name, extension) = file.rsplit_once('.').ok_or_else(|| {
        Error::invalid(
            "file",
            format!("`{file}` is not METRIC.svg or METRIC.png ({})", names()),
        )
    })?;
    let format = match extension {
        "svg" => ChartFormat::Svg,
        "png" => ChartFormat::Png,
        other => {
            return Err(Error::invalid(
                "file",
                format!("`.{other}` is not a chart format: use .svg or .png"),
            ));
        }
    };
    let metric = ChartMetric::ALL
        .into_iter()
        .find(|m| m.as_str() == name)
        .ok_or_else(|| Error::invalid("file", format!("`{name}` is not a chart ({})", names())))?;
    Ok((metric, format))
}

/// The chart drawn as a file in `format`, its words in `lang`.
pub fn render(
    chart: &Chart,
    format: ChartFormat,
    size: (u32, u32),
    lang: Language,
) -> Result<Vec<u8>, ChartError> {
    match format {
        ChartFormat::Svg => svg_in(chart, size, "chart", lang).map(String::into_bytes),
        ChartFormat::Png => png_in(chart, size, lang),
    }
}
