//! A service's charts on request (drawn by `charts` from its results, so only figures
//! that pass the anonymity threshold become points), and the `render_charts` job that
//! writes every chart into `charts.dir` (atomically, and only when it changed). Trends
//! read the open link's answers too, so a file shows the line the page shows.

use std::path::{Path, PathBuf};

use super::{
    AppState, Counts,
    results::{Breakdown, ServiceResults},
};
use crate::{
    charts::{self, Chart, ChartFormat, ChartMetric, LARGE, SIZE, ServiceRounds},
    domain::{Actor, Error, Language, ServiceFilter},
    stats::Metric,
    store,
};

/// The chart drawn now, as a file.
fn render(
    chart: &Chart,
    format: ChartFormat,
    size: (u32, u32),
    lang: Language,
) -> Result<Vec<u8>, Error> {
    charts::render(chart, format, size, lang).map_err(Error::internal)
}

/// One chart of a service, drawn now (its owner or an admin).
pub async fn service_chart(
    state: &AppState,
    actor: &Actor,
    service_id: i32,
    metric: ChartMetric,
    format: ChartFormat,
    lang: Language,
) -> Result<Vec<u8>, Error> {
    let results = super::results::service_results(state, actor, service_id).await?;
    let chart = charts::trend_of(results.for_charts(), metric, lang).ok_or_else(|| {
        Error::not_found(
            "chart",
            format!(
                "{} of service {service_id} (no round has a figure for it yet)",
                metric.as_str()
            ),
        )
    })?;
    render(&Chart::Trend(chart), format, SIZE, lang)
}

fn active_only() -> ServiceFilter {
    ServiceFilter {
        active: Some(true),
        ..ServiceFilter::default()
    }
}

/// The overview of every active service (admin).
pub async fn overview_chart(
    state: &AppState,
    actor: &Actor,
    format: ChartFormat,
    lang: Language,
) -> Result<Vec<u8>, Error> {
    actor.require_admin()?;
    let group = super::results::group_of(state, active_only(), Breakdown::WholeRounds).await?;
    let chart = charts::overview_of(&group.for_charts(), lang).ok_or_else(|| {
        Error::not_found("chart", "overview (no service has SUS and nyttoindex yet)")
    })?;
    render(&Chart::Overview(chart), format, SIZE, lang)
}

/// An owner's services' trends of `metric`, side by side (the owner or an admin).
pub async fn owner_chart(
    state: &AppState,
    actor: &Actor,
    owner_id: i32,
    metric: ChartMetric,
    format: ChartFormat,
    lang: Language,
) -> Result<Vec<u8>, Error> {
    let owner = store::catalogue::get_owner(&state.db, owner_id).await?;
    let group =
        super::results::owner_results(state, actor, owner_id, Breakdown::WholeRoundsAndOpenLinks)
            .await?;
    let services = group.services.iter().map(ServiceResults::for_charts);
    let chart =
        charts::small_multiples_of(&owner.name, services, metric, lang).ok_or_else(|| {
            Error::not_found(
                "chart",
                format!(
                    "{} of owner {owner_id} (no service has a figure yet)",
                    metric.as_str()
                ),
            )
        })?;
    render(&Chart::SmallMultiples(chart), format, SIZE, lang)
}

/// The `render_charts` job: into `charts.dir`, each active service's charts
/// (`services/{slug}/{chart}`), each owner's SUS and nyttoindex side by side
/// (`owners/{id}/{chart}`) and the overview (`overview`), each as `.svg`, `.png` and
/// `@2x.png`; a file is rewritten only when its chart changed.
pub async fn render_charts(
    state: &AppState,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<Counts, Error> {
    let group =
        super::results::group_of(state, active_only(), Breakdown::WholeRoundsAndOpenLinks).await?;
    let root = PathBuf::from(&state.settings.charts.dir);
    let mut counts = Counts::from([("written", 0), ("unchanged", 0)]);
    let mut write = |stem: PathBuf, chart: &Chart| -> Result<(), Error> {
        for (suffix, format, size) in [
            (".svg", ChartFormat::Svg, SIZE),
            (".png", ChartFormat::Png, SIZE),
            ("@2x.png", ChartFormat::Png, LARGE),
        ] {
            let mut path = stem.clone().into_os_string();
            path.push(suffix);
            let key = if write_if_changed(
                Path::new(&path),
                &render(chart, format, size, Language::Sv)?,
            )? {
                "written"
            } else {
                "unchanged"
            };
            *counts.entry(key).or_default() += 1;
        }
        Ok(())
    };
    let total = group.services.len() as u64;
    for (done, results) in group.services.iter().enumerate() {
        let folder = root
            .join("services")
            .join(results.service.details.slug.as_str());
        for metric in ChartMetric::ALL {
            if let Some(chart) = charts::trend_of(results.for_charts(), metric, Language::Sv) {
                write(folder.join(metric.as_str()), &Chart::Trend(chart))?;
            }
        }
        progress(done as u64 + 1, total);
    }
    if let Some(overview) = charts::overview_of(&group.for_charts(), Language::Sv) {
        write(root.join("overview"), &Chart::Overview(overview))?;
    }
    for owner in store::catalogue::every_owner(&state.db).await? {
        let theirs: Vec<ServiceRounds> = group
            .services
            .iter()
            .filter(|r| r.service.details.owner_id == Some(owner.id))
            .map(ServiceResults::for_charts)
            .collect();
        for metric in [
            ChartMetric::Metric(Metric::Sus),
            ChartMetric::Metric(Metric::Nyttoindex),
        ] {
            if let Some(chart) = charts::small_multiples_of(
                &owner.name,
                theirs.iter().copied(),
                metric,
                Language::Sv,
            ) {
                let folder = root.join("owners").join(owner.id.to_string());
                write(folder.join(metric.as_str()), &Chart::SmallMultiples(chart))?;
            }
        }
    }
    Ok(counts)
}

/// Writes through a temporary file and a rename, so a reader never sees half a chart;
/// leaves the file alone (and its time) when its bytes are already these.
fn write_if_changed(path: &Path, bytes: &[u8]) -> Result<bool, Error> {
    if std::fs::read(path).is_ok_and(|existing| existing == bytes) {
        return Ok(false);
    }
    let folder = path.parent().unwrap_or(Path::new("."));
    let io = |e: std::io::Error| {
        Error::internal(std::io::Error::new(
            e.kind(),
            format!("{}: {e}", path.display()),
        ))
    };
    std::fs::create_dir_all(folder).map_err(io)?;
    let temporary = path.with_extension("tmp");
    std::fs::write(&temporary, bytes).map_err(io)?;
    std::fs::rename(&temporary, path).map_err(io)?;
    Ok(true)
}
