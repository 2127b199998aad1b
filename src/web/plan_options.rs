//! The planner form's second-stage options (pinned hosts, visa policy,
//! passports, a virtual slot, the hybrid frontier, a budget) and the
//! planner's refusals about them, in the reader's language.

use super::plan::Msg;
use crate::planner::{PlanError, PlaceLookupError, VisaPolicy};

/// A refusal about the second-stage options, or `None` for the first-stage ones.
pub(super) fn refusal(e: &PlanError) -> Option<Msg> {
    Some(match e {
        PlanError::UnknownPassport { name, passport, .. } => {
            Msg::new("plan-err-passport", &[("name", name), ("passport", passport)])
        }
        PlanError::Pin { name, error } => {
            let close = match error {
                PlaceLookupError::Unknown { suggestions, .. } => suggestions,
                PlaceLookupError::Ambiguous { matches, .. } => matches,
            };
            let s: Vec<String> = close.iter().take(5).map(crate::planner::Place::label).collect();
            Msg::new("plan-err-pin", &[("place", name), ("suggestions", &s.join(" · "))])
        }
        PlanError::NoHostForVisaPolicy { policy: VisaPolicy::NoAdvanceVisa, max_advance_visas, candidates } => {
            Msg::new(
                "plan-err-visa-advance",
                &[("count", &candidates.to_string()), ("max", &max_advance_visas.to_string())],
            )
        }
        PlanError::NoHostForVisaPolicy { candidates, .. } => {
            Msg::new("plan-err-visa-refusal", &[("count", &candidates.to_string())])
        }
        PlanError::BudgetTooSmall { cheapest, .. } => {
            Msg::new("plan-err-budget", &[("cheapest", &format!("{cheapest:.0}"))])
        }
        PlanError::BadDate(d) => Msg::new("plan-err-date", &[("value", d)]),
        PlanError::BadWindow(w) => Msg::new("plan-err-window", &[("value", w)]),
        PlanError::BadSlotLength(_) => Msg::new("plan-err-slot-length", &[]),
        _ => return None,
    })
}
