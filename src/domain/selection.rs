//! Who is invited when a programme's rounds open: the fatigue rule (at most one
//! invitation per person per `min_days_between_invitations`, across all services), the
//! rotation (each person is asked about the service they were asked about longest ago),
//! ties spread evenly over the rounds, and the sampling cap of each round.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, Utc};

/// One person who uses one of the services whose rounds just opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub respondent_id: i32,
    pub service_id: i32,
    /// When the person was last invited about anything (the fatigue rule).
    pub last_invited_at: Option<DateTime<Utc>>,
    /// When the person was last invited about this service (the rotation).
    pub last_invited_for_service: Option<DateTime<Utc>>,
    /// Opted out of this service, or of every service.
    pub opted_out: bool,
}

/// Whether someone last invited at `last_invited_at` may be invited again at `now`.
pub fn rested(
    last_invited_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    min_days_between_invitations: u32,
) -> bool {
    last_invited_at
        .is_none_or(|last| last <= now - Duration::days(i64::from(min_days_between_invitations)))
}

/// Assigns each rested person at most one of the opened services: among the services
/// they are most due for (asked longest ago, never asked first), the round with the
/// fewest people so far (then the one with the most room left) — so 30 people who use the same three new services give three
/// rounds of 10, not one of 30. `capacity` caps a round (precision sampling); a person
/// whose due rounds are full goes to their next most due round that has room, or waits.
/// People who have waited longest are placed first, so a cap keeps them.
///
/// Returns the respondent ids per service, in placement order.
pub fn choose_invitees(
    candidates: &[Candidate],
    capacity: &HashMap<i32, usize>,
    now: DateTime<Utc>,
    min_days_between_invitations: u32,
) -> BTreeMap<i32, Vec<i32>> {
    let mut options: BTreeMap<i32, Vec<&Candidate>> = BTreeMap::new();
    for candidate in candidates {
        if !candidate.opted_out
            && rested(candidate.last_invited_at, now, min_days_between_invitations)
        {
            options
                .entry(candidate.respondent_id)
                .or_default()
                .push(candidate);
        }
    }
    let mut people: Vec<(i32, Vec<&Candidate>)> = options.into_iter().collect();
    for (_, services) in &mut people {
        // None (never asked about that service) sorts first: most due.
        services.sort_by_key(|c| (c.last_invited_for_service, c.service_id));
        services.dedup_by_key(|c| c.service_id);
    }
    let tied = |services: &[&Candidate]| {
        services
            .iter()
            .take_while(|c| c.last_invited_for_service == services[0].last_invited_for_service)
            .count()
    };
    people
        .sort_by_key(|(id, services)| (services[0].last_invited_for_service, tied(services), *id));

    let mut chosen: BTreeMap<i32, Vec<i32>> = BTreeMap::new();
    let taken = |chosen: &BTreeMap<i32, Vec<i32>>, service_id: i32| {
        chosen.get(&service_id).map_or(0, Vec::len)
    };
    let room = |chosen: &BTreeMap<i32, Vec<i32>>, service_id: i32| {
        capacity.get(&service_id).map_or(usize::MAX, |cap| {
            cap.saturating_sub(taken(chosen, service_id))
        })
    };
    let has_room = |chosen: &BTreeMap<i32, Vec<i32>>, service_id: i32| room(chosen, service_id) > 0;
    for (respondent_id, services) in people {
        let most_due = &services[..tied(&services)];
        let fewest_so_far = most_due
            .iter()
            .filter(|c| has_room(&chosen, c.service_id))
            .min_by_key(|c| {
                (
                    taken(&chosen, c.service_id),
                    std::cmp::Reverse(room(&chosen, c.service_id)),
                    c.service_id,
                )
            });
        let placed = fewest_so_far.or_else(|| {
            services[most_due.len()..]
                .iter()
                .find(|c| has_room(&chosen, c.service_id))
        });
        if let Some(candidate) = placed {
            chosen
                .entry(candidate.service_id)
                .or_default()
                .push(respondent_id);
        }
    }
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(day: u32) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(&format!("2027-01-{day:02}T08:00:00Z"))
            .unwrap()
            .with_timezone(&Utc)
    }

    fn candidate(respondent_id: i32, service_id: i32) -> Candidate {
        Candidate {
            respondent_id,
            service_id,
            last_invited_at: None,
            last_invited_for_service: None,
            opted_out: false,
        }
    }

    fn sizes(chosen: &BTreeMap<i32, Vec<i32>>) -> Vec<(i32, usize)> {
        chosen
            .iter()
            .map(|(s, people)| (*s, people.len()))
            .collect()
    }

    #[test]
    fn thirty_people_on_three_new_services_give_three_rounds_of_ten() {
        let candidates: Vec<Candidate> = (1..=30)
            .flat_map(|person| [11, 12, 13].map(|service| candidate(person, service)))
            .collect();
        let chosen = choose_invitees(&candidates, &HashMap::new(), at(20), 30);
        assert_eq!(sizes(&chosen), vec![(11, 10), (12, 10), (13, 10)]);
        let mut everyone: Vec<i32> = chosen.values().flatten().copied().collect();
        everyone.sort_unstable();
        assert_eq!(everyone, (1..=30).collect::<Vec<_>>(), "each person once");
    }

    #[test]
    fn a_person_is_asked_about_the_service_asked_about_longest_ago() {
        let mut a = candidate(1, 11);
        a.last_invited_for_service = Some(at(2));
        let mut b = candidate(1, 12);
        b.last_invited_for_service = Some(at(1));
        let chosen = choose_invitees(&[a, b], &HashMap::new(), at(20), 0);
        assert_eq!(chosen.get(&12), Some(&vec![1]));
        assert_eq!(chosen.get(&11), None);
    }

    #[test]
    fn the_fatigue_rule_rests_people_asked_recently_about_anything() {
        let mut recent = candidate(1, 11);
        recent.last_invited_at = Some(at(10)); // 10 days before day 20
        let mut long_ago = candidate(2, 11);
        long_ago.last_invited_at = Some(at(1)); // 19 days before
        let chosen = choose_invitees(&[recent, long_ago], &HashMap::new(), at(20), 14);
        assert_eq!(chosen.get(&11), Some(&vec![2]));
        // Exactly min_days ago counts as rested.
        assert!(rested(Some(at(6)), at(20), 14));
        assert!(!rested(Some(at(7)), at(20), 14));
    }

    #[test]
    fn opted_out_people_are_never_chosen() {
        let mut out = candidate(1, 11);
        out.opted_out = true;
        let chosen = choose_invitees(&[out, candidate(1, 12)], &HashMap::new(), at(20), 30);
        assert_eq!(sizes(&chosen), vec![(12, 1)]);
    }

    #[test]
    fn a_capped_round_keeps_those_who_waited_longest_and_sends_the_rest_elsewhere() {
        // Service 11 takes 2. Persons 1–3 use only 11 (3 asked longest ago);
        // person 4 uses 11 and 12, never asked about either.
        let mut only_11: Vec<Candidate> = (1..=3).map(|p| candidate(p, 11)).collect();
        only_11[0].last_invited_for_service = Some(at(5));
        only_11[1].last_invited_for_service = Some(at(4));
        only_11[2].last_invited_for_service = Some(at(3));
        let mut candidates = only_11;
        candidates.extend([candidate(4, 11), candidate(4, 12)]);
        let capacity = HashMap::from([(11, 2)]);
        let chosen = choose_invitees(&candidates, &capacity, at(20), 0);
        // Person 4 (never asked) is placed first: 11 and 12 are equally empty, 12 has
        // more room. Then 3 (asked on day 3) and 2 (day 4) fill 11; 1 waits.
        assert_eq!(chosen.get(&11), Some(&vec![3, 2]));
        assert_eq!(chosen.get(&12), Some(&vec![4]));
    }
}
