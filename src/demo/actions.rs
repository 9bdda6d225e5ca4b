//! The demo's åtgärder ("ni sa – vi gör") and its open link, made through their use
//! cases. After a round closes, the objektägare of a few services record what they do
//! about it (through `actions::save_action`, as their own dashboard would): some
//! published, some drafts, planned, under way or done, some tied to the round and one of
//! its questions. Most services get none, so the nyttoanalys and the digests have
//! services with results and no action to point at. One e-service that residents use
//! puts an open link on its rounds from a late quarter on, and people on no list answer
//! through it (`open_links::submit_open_answer`, the `/o/{code}` page's path); in one
//! quarter too few do to show their segment.

use std::collections::{BTreeMap, HashMap};

use chrono::Duration;
use rand::{Rng, rngs::StdRng};

use super::{Profile, form_of, insatser::DemoService, insatser::local_day};
use crate::{
    domain::{
        Actor, Error, PageRequest, Role, ServiceFilter,
        action::{ActionInput, ActionStatus},
        survey::{RoundFilter, RoundStatus},
    },
    usecases::{
        AppState, actions, catalogue,
        open_links::{self, OpenLinkAddresses, OpenSubmitted},
        rounds,
    },
};

/// An action an objektägare records after the round `back` quarters before the end of
/// the history has closed (1: the last closed round, just before this quarter's round
/// opens, so its invitations carry the published ones).
struct ActionPlan {
    service: &'static str,
    back: usize,
    title: &'static str,
    text: &'static str,
    status: ActionStatus,
    published: bool,
    /// The question of the just-closed round it answers.
    item: Option<&'static str>,
    /// Due this many days after it is recorded: after the day the demo runs (the last
    /// closed round ends up to about 160 days before it, the one before about 250), so
    /// no plan the demo shows is overdue.
    due_in_days: Option<i64>,
}

use ActionStatus::{Done, InProgress, Planned};

const PLANS: [ActionPlan; 11] = [
    ActionPlan {
        service: "Lönesystemet",
        back: 3,
        title: "Vi byter till kommunens gemensamma inloggning",
        text: "Många av er skrev att inloggningen tar för lång tid. Nu loggar ni in i \
               Lönesystemet med samma konto som i kommunens övriga system.",
        status: Done,
        published: true,
        item: Some("sus3"),
        due_in_days: None,
    },
    ActionPlan {
        service: "Lönesystemet",
        back: 2,
        title: "Tydligare menyer för frånvaro och ledighet",
        text: "Ni hade svårt att hitta rätt funktion. Vi samlar frånvaro och ledighet under \
               en meny och testar den med en grupp användare innan den införs.",
        status: InProgress,
        published: true,
        item: Some("sus7"),
        due_in_days: Some(300),
    },
    ActionPlan {
        service: "Lönesystemet",
        back: 1,
        title: "Lönespecifikationen i mobilen",
        text: "",
        status: Planned,
        published: false,
        item: Some("nytta1"),
        due_in_days: Some(240),
    },
    ActionPlan {
        service: "Kartportalen",
        back: 2,
        title: "Kartan fungerar nu i mobilen",
        text: "Flera av er saknade en mobilversion. Kartportalen anpassar sig nu till \
               mobilens skärm.",
        status: Done,
        published: true,
        item: Some("nytta2"),
        due_in_days: None,
    },
    ActionPlan {
        service: "Kartportalen",
        back: 1,
        title: "Sök på fastighetsbeteckning",
        text: "Vi lägger till sökning på fastighetsbeteckning, som många av er bad om.",
        status: Planned,
        published: true,
        item: None,
        due_in_days: Some(200),
    },
    ActionPlan {
        service: "E-tjänsteplattformen",
        back: 2,
        title: "Inloggning med BankID i alla e-tjänster",
        text: "Ni ska inte behöva olika inloggningar för olika e-tjänster. Vi inför BankID \
               i alla e-tjänster under året.",
        status: InProgress,
        published: true,
        item: Some("sus2"),
        due_in_days: Some(300),
    },
    ActionPlan {
        service: "E-tjänsteplattformen",
        back: 1,
        title: "Besked om ditt ärende kommer nu också som sms",
        text: "Du som lämnar ett ärende får nu ett sms när det har handlagts.",
        status: Done,
        published: true,
        item: None,
        due_in_days: None,
    },
    ActionPlan {
        service: "Läkemedelsmodulen",
        back: 1,
        title: "Utbildning för nya medarbetare varje månad",
        text: "Flera av er behövde lära er mycket innan ni kom igång. Från nästa månad \
               erbjuder vi en kort introduktion varje månad.",
        status: Planned,
        published: true,
        item: Some("sus10"),
        due_in_days: Some(180),
    },
    ActionPlan {
        service: "Skolplattformen",
        back: 3,
        title: "Vi rättar felen i närvarorapporteringen",
        text: "Närvaron sparades ibland inte. Felet är rättat hos leverantören.",
        status: Done,
        published: true,
        item: None,
        due_in_days: None,
    },
    ActionPlan {
        service: "Journalsystemet",
        back: 1,
        title: "Snabbare start på morgonen",
        text: "Systemet är långsamt på morgnarna. Vi flyttar nattens körningar så att de är \
               klara före sju.",
        status: InProgress,
        published: true,
        item: Some("sus1"),
        due_in_days: Some(200),
    },
    ActionPlan {
        service: "Skolplattformen",
        back: 1,
        title: "Utreda en ny startsida",
        text: "",
        status: Planned,
        published: false,
        item: None,
        due_in_days: None,
    },
];

/// The e-services residents use, in the order the open link is given to one the demo
/// has: Kartportalen is the first objektägare's (the one whose sign-in link is printed).
pub(super) const OPEN_LINK_SERVICES: [&str; 2] = ["Kartportalen", "E-tjänsteplattformen"];

/// The actor of a service's objektägare, as their dashboard session acts.
fn owner_of(service: &DemoService, name: &str) -> Actor {
    match service.owner_id {
        Some(owner_id) => Actor {
            account_id: None,
            role: Role::Owner { owner_id },
            label: format!("demo (objektägare of {name})"),
        },
        None => Actor::cli(),
    }
}

/// Records the actions planned after the round of `quarter` (of `quarters`) closed.
pub(super) async fn record_actions(
    state: &AppState,
    services: &HashMap<&'static str, DemoService>,
    quarter: usize,
    quarters: usize,
) -> Result<usize, Error> {
    let mut made = 0;
    for plan in PLANS
        .iter()
        .filter(|p| quarters.checked_sub(p.back) == Some(quarter))
    {
        let Some(service) = services.get(plan.service) else {
            continue;
        };
        let actor = owner_of(service, plan.service);
        let round_id = match plan.item {
            Some(_) => latest_round(state, &actor, service.id, RoundStatus::Closed).await?,
            None => None,
        };
        let today = local_day(state.clock.now());
        let input = ActionInput {
            service_id: service.id,
            round_id,
            item_key: plan.item.filter(|_| round_id.is_some()).map(Into::into),
            title: plan.title.into(),
            public_text: Some(plan.text.into()),
            status: Some(plan.status),
            due_on: plan.due_in_days.map(|days| today + Duration::days(days)),
            published: Some(plan.published),
        };
        actions::save_action(state, &actor, None, input).await?;
        made += 1;
    }
    Ok(made)
}

/// The newest round of a service with `status`.
async fn latest_round(
    state: &AppState,
    actor: &Actor,
    service_id: i32,
    status: RoundStatus,
) -> Result<Option<i32>, Error> {
    let filter = RoundFilter {
        service_id: Some(service_id),
        status: Some(status),
        ..RoundFilter::default()
    };
    let page =
        rounds::list_rounds(state, actor, filter, PageRequest::new(None, Some(100))?).await?;
    Ok(page
        .items
        .iter()
        .max_by_key(|round| round.opens_at)
        .map(|round| round.id))
}

/// The open link of one e-service: from which quarter, and the one with too few answers.
pub(super) struct OpenLinkPlan {
    pub name: &'static str,
    service: DemoService,
    from: usize,
    short: usize,
}

/// Fewer than the anonymity threshold (5 by default): the quarter's segment is withheld.
const SHORT_ANSWERS: usize = 3;

impl OpenLinkPlan {
    /// The first of [`OPEN_LINK_SERVICES`] the demo has, open from four quarters before
    /// the end (the first quarter after the first in a short history); the quarter after
    /// that has too few answers, unless it is the last (then the first has).
    pub(super) fn choose(
        services: &HashMap<&'static str, DemoService>,
        quarters: usize,
    ) -> Option<Self> {
        let (name, service) = OPEN_LINK_SERVICES
            .iter()
            .find_map(|name| Some((*name, *services.get(name)?)))?;
        let from = quarters.saturating_sub(4).max(1);
        let short = if from + 1 < quarters.saturating_sub(1) {
            from + 1
        } else {
            from
        };
        Some(Self {
            name,
            service,
            from,
            short,
        })
    }

    /// After the quarter's round opened: the service's owner gives it an open link and
    /// people answer there as `profile` says (`quarter` is the history's; `None` for the
    /// round open now, which gets a few answers so far).
    pub(super) async fn answer(
        &self,
        state: &AppState,
        profile: &Profile,
        quarter: Option<usize>,
        quarters: usize,
        rng: &mut StdRng,
    ) -> Result<Option<OpenLinkAddresses>, Error> {
        if quarter.is_some_and(|q| q < self.from) {
            return Ok(None);
        }
        let actor = owner_of(&self.service, self.name);
        let Some(round_id) =
            latest_round(state, &actor, self.service.id, RoundStatus::Open).await?
        else {
            return Ok(None);
        };
        let link = open_links::create_open_link(state, &actor, round_id).await?;
        let count = match quarter {
            Some(q) if q == self.short => SHORT_ANSWERS,
            Some(_) => rng.random_range(9..16),
            None => 2,
        };
        let code = link.link.code.clone();
        let shown_quarter = quarter.unwrap_or(quarters);
        for visitor in 0..count {
            let form: BTreeMap<String, String> = form_of(profile, shown_quarter, rng);
            // Each visitor is their own browser and address, as on the `/o/{code}` page.
            let client = format!("demo-visitor-{shown_quarter}-{visitor}");
            match open_links::submit_open_answer(state, &code, &client, false, &form).await? {
                Some(OpenSubmitted::Stored { .. }) => {}
                _ => return Err(Error::bug("the demo's open-link answer was not stored")),
            }
        }
        Ok(Some(link))
    }
}

/// The open link of the round open now, for the welcome (made before, so this finds it):
/// the service's name and the link's addresses; `None` when the demo has none.
pub(super) async fn open_link_now(
    state: &AppState,
) -> Result<Option<(String, OpenLinkAddresses)>, Error> {
    let actor = Actor::cli();
    let all = catalogue::list_services(
        state,
        &actor,
        ServiceFilter::default(),
        PageRequest::new(None, Some(100))?,
    )
    .await?;
    let Some(service) = OPEN_LINK_SERVICES
        .iter()
        .find_map(|name| all.items.iter().find(|s| s.details.name == *name))
    else {
        return Ok(None);
    };
    let Some(round_id) = latest_round(state, &actor, service.id, RoundStatus::Open).await? else {
        return Ok(None);
    };
    let link = open_links::create_open_link(state, &actor, round_id).await?;
    Ok(Some((service.details.name.clone(), link)))
}
