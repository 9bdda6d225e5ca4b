//! An objektägare's digest of a closed round: the round's figures (or "too few
//! answers"), their change, the response rate, what the nyttoanalys's rules say of the
//! service, the realisation of the owner's insatser the round measured (a status alone
//! when too few answered), and its SUS chart inline. In Swedish.

use lettre::{Message, message::Mailbox};
use minijinja::context;

use super::message::{BuildError, InlineImage, build_rich_message};
use crate::{
    charts::{self, Chart, ChartMetric, ServiceRounds},
    domain::Language,
    numbers::{number, percent},
    stats::{
        Metric,
        nyttoanalys::{Assessment, SUS_UNACCEPTABLE, insatser::RealisationLine},
        series::{RoundSeriesEntry, Trend},
    },
    wording,
};

/// What a digest tells: the service and its series, the round it is about, and the
/// service's flags and proposals.
pub struct Digest<'a> {
    pub owner: &'a str,
    pub service: ServiceRounds<'a>,
    pub trends: &'a [Trend],
    /// The closed round, one of `service.rounds`.
    pub round: &'a RoundSeriesEntry,
    pub attention: &'a [Assessment],
    /// The benefits of the owner's live insatser that this round measured.
    pub insatser: &'a [RealisationLine],
    pub min_group_size: u32,
    /// The service has released results and no action: remind the owner to record one.
    pub remind_action: bool,
    /// The service's dashboard page.
    pub link: String,
}

pub fn digest_message(
    from: &Mailbox,
    recipient: &str,
    digest: &Digest,
) -> Result<Message, BuildError> {
    let sv = Language::Sv;
    let entry = digest.round;
    let too_few = !entry.has_results();
    let figures: Vec<minijinja::Value> = Metric::ALL
        .into_iter()
        .filter_map(|metric| {
            let mean = entry.shown(metric)?.mean?;
            let change = digest
                .trends
                .iter()
                .find(|t| t.metric == metric)
                .and_then(|t| t.change_into(entry.round.round_id))
                .map(|change| {
                    format!(
                        "{}{} sedan förra omgången, {}",
                        if change.difference >= 0.0 { "+" } else { "" },
                        number(change.difference, 1, sv),
                        wording::significance(change.significant, sv)
                    )
                });
            Some(context! {
                name => wording::metric_name(metric, sv),
                value => number(mean, 1, sv),
                flag => (metric == Metric::Sus && mean < SUS_UNACCEPTABLE).then_some("inte godtagbart"),
                scale => wording::metric_scale(metric, sv),
                change,
            })
        })
        .collect();
    let attention: Vec<String> = digest
        .attention
        .iter()
        .flat_map(|a| {
            let flags = a.flags().iter().map(|f| wording::flag(*f, sv).to_owned());
            let proposals = a.proposals.iter().map(|p| wording::proposal(p, sv));
            flags.chain(proposals).collect::<Vec<_>>()
        })
        .collect();
    let insatser: Vec<String> = digest
        .insatser
        .iter()
        .map(|line| {
            format!(
                "{}: {}",
                line.name.insats,
                wording::realisation_line(line, sv)
            )
        })
        .collect();
    let image = if too_few {
        None
    } else {
        charts::trend_of(digest.service, ChartMetric::Metric(Metric::Sus), sv)
            .map(|chart| charts::png(&Chart::Trend(chart), (1200, 675)))
            .transpose()
            .map_err(|e| BuildError::Content(e.to_string()))?
            .map(|png| InlineImage {
                cid: "sus".into(),
                png,
            })
    };
    let service = digest.service.service.details.name.clone();
    let values = context! {
        lang => sv.as_str(),
        attention,
        insatser,
        owner => digest.owner,
        service => service.clone(),
        period => entry.round.period.clone(),
        answered => entry.round.answered,
        invited => entry.round.invited,
        rate => entry.response_rate.map_or_else(|| "–".to_owned(), |r| percent(r.share, sv)),
        too_few,
        min_group => digest.min_group_size,
        figures,
        image => image.as_ref().map(|i| i.cid.clone()),
        link => digest.link.clone(),
        remind_action => digest.remind_action,
    };
    build_rich_message(
        from,
        recipient,
        &format!("Resultat för {service}, {}", entry.round.period),
        "digest",
        values,
        image,
        None,
    )
}
