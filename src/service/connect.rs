//! Connecting a community to the people who were not there: its public face (page,
//! sitemap), feeds (Atom), calendar (iCalendar), map (GeoJSON), the report as a wiki
//! page, and the digest for its mailing list.
//!
//! Everything public is computed as an anonymous visitor sees it, whoever asks: public
//! stories that are not hidden, names only where the teller allowed, the report only
//! once published, participants' home cities only from members who allowed it and only
//! counted by city. A private community has no public face at all: every one of these
//! answers `NotFound` (a 404, never an empty feed).

use super::{Actor, Result, ServiceError, stewarded};
use crate::domain::FieldError;
use crate::domain::story::Story;
use crate::planner::places::{self, Place};
use crate::store::{Community, Convening, NewMessage, PublicSettings, Scope, Store, UserPrefs};

/// Public stories in a feed or on a public page.
pub const FEED_STORIES: usize = 50;

/// A community anyone may see (`NotFound` for a private one).
pub async fn public_community(store: &Store, slug: &str) -> Result<Community> {
    let c = store.community(slug).await?.ok_or(ServiceError::NotFound)?;
    if c.private {
        return Err(ServiceError::NotFound);
    }
    Ok(c)
}

/// What the public sees of a community: its convenings, its newest public stories and
/// whether its report is published.
pub struct PublicFace {
    pub community: Community,
    pub convenings: Vec<Convening>,
    pub stories: Vec<Story>,
    pub report_published_at: Option<String>,
    pub language: String,
}

pub async fn public_face(store: &Store, slug: &str, stories: usize) -> Result<PublicFace> {
    let community = public_community(store, slug).await?;
    face_of(store, community, Scope::Community, stories).await
}

async fn face_of(store: &Store, community: Community, scope: fn(i64) -> Scope, stories: usize) -> Result<PublicFace> {
    let convenings = store.convenings(community.id).await?;
    let ids = store.public_story_ids(scope(community.id), stories).await?;
    let mut stories = store.stories_by_id(&ids).await?;
    stories.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
    let report_published_at = store.report_published_at(community.id).await?;
    let language = store.community_language(community.id).await?;
    Ok(PublicFace { community, convenings, stories, report_published_at, language })
}

/// One convening's public face: the convening, its community and its public stories.
pub async fn public_convening(store: &Store, id: i64) -> Result<(Convening, PublicFace)> {
    let cv = store.convening(id).await?.ok_or(ServiceError::NotFound)?;
    let community = store.community_by_id(cv.community_id).await?.ok_or(ServiceError::NotFound)?;
    if community.private {
        return Err(ServiceError::NotFound);
    }
    let ids = store.public_story_ids(Scope::Convening(id), FEED_STORIES).await?;
    let mut stories = store.stories_by_id(&ids).await?;
    stories.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
    let report_published_at = store.report_published_at(community.id).await?;
    let language = store.community_language(community.id).await?;
    let convenings = vec![cv.clone()];
    Ok((cv, PublicFace { community, convenings, stories, report_published_at, language }))
}

/// A convening's host place on the map, when its place names one city.
pub fn place_of(cv: &Convening) -> Option<Place> {
    if cv.place.trim().is_empty() {
        return None;
    }
    places::resolve(&cv.place).ok()
}

/// Where participants came from: cities with how many members who allowed their home
/// city to be counted, largest first (ties by name).
pub async fn origins(store: &Store, community: &Community) -> Result<Vec<(Place, usize)>> {
    let mut counts: Vec<(Place, usize)> = Vec::new();
    for home in store.shared_home_places(community.id).await? {
        let Ok(p) = places::resolve(&home) else { continue };
        match counts.iter_mut().find(|(q, _)| q.label() == p.label() && q.admin1 == p.admin1) {
            Some((_, n)) => *n += 1,
            None => counts.push((p, 1)),
        }
    }
    counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.name.cmp(&b.0.name)));
    Ok(counts)
}

/// Everything the sitemap lists: every public community with its convenings, public
/// stories and whether its report is published.
pub async fn sitemap(store: &Store) -> Result<Vec<PublicFace>> {
    let mut out = Vec::new();
    for c in store.public_communities().await? {
        out.push(face_of(store, c, Scope::Community, usize::MAX >> 1).await?);
    }
    Ok(out)
}

/// The public-face and digest settings of a community, for its stewards.
pub async fn settings(store: &Store, actor: &Actor, slug: &str) -> Result<(Community, PublicSettings)> {
    let c = stewarded(store, actor, slug).await?;
    let s = store.public_settings(c.id).await?;
    Ok((c, s))
}

/// The longest wiki page title MediaWiki accepts (255 bytes).
const MAX_WIKI_TITLE: usize = 255;

/// A steward changes the public-face and digest settings.
pub async fn save_settings(store: &Store, actor: &Actor, slug: &str, s: &PublicSettings) -> Result<PublicSettings> {
    let c = stewarded(store, actor, slug).await?;
    let mut errors = Vec::new();
    let list_address = s.list_address.trim().to_lowercase();
    if !list_address.is_empty() && crate::domain::parse_email(&list_address).is_err() {
        errors.push(FieldError::new("list_address", "err-email", "not an e-mail address"));
    }
    if s.digest_monthly && list_address.is_empty() {
        errors.push(FieldError::new("list_address", "err-digest-address", "a monthly digest needs a list address"));
    }
    let wiki_title = s.wiki_title.trim().to_string();
    if wiki_title.len() > MAX_WIKI_TITLE || wiki_title.chars().any(|ch| "#<>[]|{}".contains(ch) || ch.is_control()) {
        errors.push(FieldError::new(
            "wiki_title",
            "err-wiki-title",
            "a wiki title has at most 255 bytes and none of # < > [ ] | { }",
        ));
    }
    if !errors.is_empty() {
        return Err(ServiceError::Invalid(errors));
    }
    let s = PublicSettings { private: s.private, list_address, digest_monthly: s.digest_monthly, wiki_title };
    store.set_public_settings(c.id, &s).await?;
    Ok(s)
}

/// The wiki page title a report goes under: the one asked for, else the community's
/// setting, else "<community> – <report title>".
pub async fn wiki_title(store: &Store, community: &Community, asked: &str, report_title: &str) -> Result<String> {
    let asked = asked.trim();
    if !asked.is_empty() {
        return Ok(asked.chars().filter(|ch| !"#<>[]|{}".contains(*ch) && !ch.is_control()).take(200).collect());
    }
    let set = store.public_settings(community.id).await?.wiki_title;
    Ok(if set.is_empty() { report_title.to_string() } else { set })
}

/// The signed-in member's choices (map consent, comment mail).
pub async fn prefs(store: &Store, actor: &Actor) -> Result<UserPrefs> {
    let u = actor.require_user()?;
    Ok(store.user_prefs(u.id).await?)
}

pub async fn set_prefs(store: &Store, actor: &Actor, p: UserPrefs) -> Result<()> {
    let u = actor.require_user()?;
    Ok(store.set_user_prefs(u.id, p).await?)
}

/// A digest's period: a month (`2026-11`, sent by itself early in the next month) or a
/// day (`2026-11-26`, sent by a steward; it covers the 30 days before and that day).
/// Returns the first and last day it covers.
pub fn period_days(period: &str) -> Option<(time::Date, time::Date)> {
    use crate::domain::convening::parse_date;
    if period.len() == 7 {
        let first = parse_date("period", &format!("{period}-01")).ok()?;
        let next = if first.month() == time::Month::December {
            time::Date::from_calendar_date(first.year() + 1, time::Month::January, 1).ok()?
        } else {
            time::Date::from_calendar_date(first.year(), first.month().next(), 1).ok()?
        };
        return Some((first, next.previous_day()?));
    }
    let day = parse_date("period", period).ok()?;
    Some((day - time::Duration::days(30), day))
}

/// What a digest tells: public stories told in its period, the report if it was
/// published in it, and convenings starting after its last day.
pub struct Digest {
    pub community: Community,
    pub language: String,
    pub first: time::Date,
    pub last: time::Date,
    pub stories: Vec<Story>,
    pub report_published: bool,
    pub upcoming: Vec<Convening>,
}

/// The digest of a community for a period (the mail sender calls this when it writes).
pub async fn digest(store: &Store, community_id: i64, period: &str) -> Result<Digest> {
    let (first, last) = period_days(period).ok_or(ServiceError::NotFound)?;
    let community = store.community_by_id(community_id).await?.ok_or(ServiceError::NotFound)?;
    let face = face_of(store, community, Scope::Community, 500).await?;
    let (from, to) = (crate::domain::convening::format_date(first), crate::domain::convening::format_date(last));
    let within = |t: &str| t.get(..10).is_some_and(|d| d >= from.as_str() && d <= to.as_str());
    let stories = face.stories.into_iter().filter(|s| within(&s.created_at)).collect();
    let report_published = face.report_published_at.as_deref().is_some_and(within);
    let mut upcoming: Vec<Convening> =
        face.convenings.into_iter().filter(|c| c.starts_on.as_str() > to.as_str() && c.status != "closed").collect();
    upcoming.sort_by(|a, b| a.starts_on.cmp(&b.starts_on));
    Ok(Digest { community: face.community, language: face.language, first, last, stories, report_published, upcoming })
}

/// Queues the digest of `period` to the community's list, once: a second call for the
/// same period (a double click, two servers) queues nothing. Returns whether it queued.
async fn queue_digest(store: &Store, c: &Community, period: &str) -> Result<bool> {
    let s = store.public_settings(c.id).await?;
    if s.list_address.is_empty() {
        return Err(FieldError::new("list_address", "err-digest-address", "the digest needs a list address").into());
    }
    let m = NewMessage {
        key: format!("digest:{}:{period}", c.id),
        kind: "digest",
        recipient: s.list_address,
        language: store.community_language(c.id).await?,
        community_id: Some(c.id),
        item: period.to_string(),
        ..NewMessage::default()
    };
    Ok(store.enqueue(&m).await?)
}

/// A steward sends the digest now (the last 30 days); once a day at most.
/// `Conflict("already-sent")` when today's digest went already.
pub async fn send_digest(store: &Store, actor: &Actor, slug: &str, today: time::Date) -> Result<String> {
    let c = stewarded(store, actor, slug).await?;
    if c.private {
        return Err(ServiceError::Conflict("private"));
    }
    let period = crate::domain::convening::format_date(today);
    if queue_digest(store, &c, &period).await? { Ok(period) } else { Err(ServiceError::Conflict("already-sent")) }
}

/// Run by the mail sender on every pass: each public community with a monthly digest
/// gets last month's digest queued once.
pub async fn schedule_digests(store: &Store, today: time::Date) -> Result<usize> {
    let last_month = today.replace_day(1).ok().and_then(time::Date::previous_day).unwrap_or(today);
    let period = format!("{:04}-{:02}", last_month.year(), u8::from(last_month.month()));
    let mut queued = 0;
    for id in store.monthly_digest_communities().await? {
        let Some(c) = store.community_by_id(id).await? else { continue };
        if c.private {
            continue;
        }
        if queue_digest(store, &c, &period).await? {
            queued += 1;
        }
    }
    Ok(queued)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn periods_cover_a_month_or_thirty_days() {
        assert_eq!(period_days("2026-11"), Some((date!(2026 - 11 - 01), date!(2026 - 11 - 30))));
        assert_eq!(period_days("2026-12"), Some((date!(2026 - 12 - 01), date!(2026 - 12 - 31))));
        assert_eq!(period_days("2028-02"), Some((date!(2028 - 02 - 01), date!(2028 - 02 - 29))));
        assert_eq!(period_days("2026-11-26"), Some((date!(2026 - 10 - 27), date!(2026 - 11 - 26))));
        assert_eq!(period_days("nonsense"), None);
    }
}
