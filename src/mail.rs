//! The sender: takes due messages from the outbox one at a time, writes each in its
//! reader's language with the links it carries (made now, so none waits in the database),
//! and hands it to the SMTP server. Plain text and HTML; an unsubscribe link; no tracking.
//!
//! Exactly once: a message is leased before it is sent and marked sent right after the
//! server accepted it; a second sender (another process, even on another machine sharing
//! PostgreSQL) never takes a leased message. Only a crash in the instant between the
//! server's "accepted" and the database's "sent" can repeat a mail after the lease runs
//! out; its `Message-ID` is the same both times, so mail systems can tell.

use crate::config::Config;
use crate::i18n::{Lang, translate};
use crate::secret::{hash_token, new_token};
use crate::store::{OutboxMessage, Store};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::AsyncSmtpTransport;
use lettre::{AsyncTransport, Message, Tokio1Executor};

/// Password reset links work for an hour.
pub const RESET_SECONDS: i64 = 3600;
/// Attempts before a message is given up.
pub const MAX_ATTEMPTS: i64 = 8;

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    pub reminders_queued: usize,
    pub digests_queued: usize,
    pub sent: usize,
    pub retried: usize,
    pub failed: usize,
}

/// An SMTP connection as configured (or none: mail is off).
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    base_url: String,
    host: String,
}

impl Mailer {
    /// `None` when no SMTP server is configured.
    pub fn from_config(config: &Config) -> anyhow::Result<Option<Self>> {
        if config.mail.smtp_url.is_empty() {
            return Ok(None);
        }
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&config.mail.smtp_url)
            .map_err(|e| anyhow::anyhow!("mail.smtp_url: {e}"))?
            .timeout(Some(std::time::Duration::from_secs(30)))
            .build();
        let from: Mailbox =
            config.mail.from.parse().map_err(|e| anyhow::anyhow!("mail.from '{}': {e}", config.mail.from))?;
        let base_url = config.base_url.trim_end_matches('/').to_string();
        let host = base_url.split("://").nth(1).unwrap_or("localhost").split(['/', ':']).next().unwrap_or("localhost");
        Ok(Some(Self { transport, from, host: host.to_string(), base_url }))
    }
}

/// One pass: queue the reminders that are due, then send every due message.
pub async fn run_due(store: &Store, mailer: &Mailer, reminder_days: i64) -> anyhow::Result<Pass> {
    let mut pass = Pass {
        reminders_queued: crate::service::mail::schedule_reminders(store, &crate::store::now()[..10], reminder_days)
            .await?,
        digests_queued: crate::service::connect::schedule_digests(store, time::OffsetDateTime::now_utc().date())
            .await?,
        ..Pass::default()
    };
    while let Some(m) = store.lease_next().await? {
        match send(store, mailer, &m).await {
            Ok(()) => {
                store.mark_sent(m.id).await?;
                pass.sent += 1;
            }
            Err(Failure::Skip(why)) => {
                store.mark_failed(m.id, why, None, "failed").await?;
                pass.failed += 1;
            }
            Err(Failure::Permanent(e)) => {
                tracing::warn!(message = m.id, error = %e, "mail refused for good");
                store.mark_failed(m.id, &e, None, "bounced").await?;
                pass.failed += 1;
            }
            Err(Failure::Transient(e)) if m.attempts >= MAX_ATTEMPTS => {
                tracing::warn!(message = m.id, error = %e, "mail given up");
                store.mark_failed(m.id, &e, None, "failed").await?;
                pass.failed += 1;
            }
            Err(Failure::Transient(e)) => {
                tracing::info!(message = m.id, attempt = m.attempts, error = %e, "mail to retry");
                let at = crate::store::in_seconds(backoff(m.attempts));
                store.mark_failed(m.id, &e, Some(&at), "queued").await?;
                pass.retried += 1;
            }
        }
    }
    Ok(pass)
}

/// Seconds before the next attempt: 1 min, 5 min, 30 min, 2 h, then 12 h.
pub fn backoff(attempts: i64) -> i64 {
    match attempts {
        ..=1 => 60,
        2 => 300,
        3 => 1800,
        4 => 7200,
        _ => 43_200,
    }
}

enum Failure {
    /// Not to be sent any more (the participant unsubscribed or was removed).
    Skip(&'static str),
    Permanent(String),
    Transient(String),
}

impl From<crate::store::StoreError> for Failure {
    fn from(e: crate::store::StoreError) -> Self {
        Failure::Transient(e.to_string())
    }
}

/// A written mail: subject, plain text, HTML.
pub struct Written {
    pub subject: String,
    pub text: String,
    pub html: String,
}

async fn send(store: &Store, mailer: &Mailer, m: &OutboxMessage) -> Result<(), Failure> {
    let lang = Lang::from_code(&m.language).unwrap_or_default();
    let written = match m.kind.as_str() {
        "wave_invitation" | "wave_reminder" => write_wave_mail(store, mailer, m, lang).await?,
        "password_reset" => write_reset_mail(store, mailer, m, lang).await?,
        "account_invitation" => write_account_invitation(store, mailer, m, lang).await?,
        "digest" => write_digest(store, mailer, m, lang).await?,
        "comment" => write_comment_mail(store, mailer, m, lang).await?,
        _ => return Err(Failure::Skip("unknown kind")),
    };
    let to: Mailbox = m.recipient.parse().map_err(|e| Failure::Permanent(format!("address: {e}")))?;
    let email = Message::builder()
        .from(mailer.from.clone())
        .to(to)
        .subject(&written.subject)
        .message_id(Some(format!("<outbox-{}@{}>", m.id, mailer.host)))
        .multipart(MultiPart::alternative_plain_html(written.text, written.html))
        .map_err(|e| Failure::Permanent(e.to_string()))?;
    match mailer.transport.send(email).await {
        Ok(_) => Ok(()),
        Err(e) if e.is_permanent() => Err(Failure::Permanent(e.to_string())),
        Err(e) => Err(Failure::Transient(e.to_string())),
    }
}

/// Text made safe inside HTML.
fn escape_xml(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn t(lang: Lang, key: &str, args: &[(&str, &str)]) -> String {
    translate(lang, key, args)
}

/// The plain text and a light HTML rendering of paragraphs, with one link button.
fn compose(lang: Lang, subject: String, paragraphs: &[String], link: &str, footer: &str) -> Written {
    use std::fmt::Write;
    let text = format!("{}\n\n{link}\n\n-- \n{footer}\n", paragraphs.join("\n\n"));
    let mut html =
        format!("<!doctype html><html lang=\"{}\"><body style=\"font-family:sans-serif;max-width:36em\">", lang.code());
    for p in paragraphs {
        let _ = write!(html, "<p>{}</p>", escape_xml(p));
    }
    let _ = write!(html, "<p><a href=\"{0}\">{0}</a></p>", escape_xml(link));
    let _ = write!(html, "<hr><p style=\"font-size:smaller;color:#555\">{}</p></body></html>", escape_xml(footer));
    Written { subject, text, html }
}

async fn write_wave_mail(store: &Store, mailer: &Mailer, m: &OutboxMessage, lang: Lang) -> Result<Written, Failure> {
    let (Some(pid), Some(wid)) = (m.participant_id, m.wave_id) else { return Err(Failure::Skip("incomplete")) };
    let Some(p) = store.participant(pid).await? else { return Err(Failure::Skip("participant gone")) };
    if p.removed_at.is_some() || p.unsubscribed_at.is_some() || p.email.is_empty() {
        return Err(Failure::Skip("unsubscribed or removed"));
    }
    let Some(w) = store.wave(wid).await? else { return Err(Failure::Skip("wave gone")) };
    let Some(cv) = store.convening(p.convening_id).await? else { return Err(Failure::Skip("convening gone")) };
    let community = store.community_by_id(cv.community_id).await?.map(|c| c.name).unwrap_or_default();
    let token = new_token();
    store.add_wave_link(pid, wid, &hash_token(&token), &w.link_expiry()).await?;
    let leave = new_token();
    store.create_unsubscribe_token(&hash_token(&leave), pid).await?;
    let link = format!("{}/answer/{token}", mailer.base_url);
    let args = [
        ("name", p.name.as_str()),
        ("convening", cv.title.as_str()),
        ("community", community.as_str()),
        ("wave", w.name.as_str()),
        ("closes", w.closes_on.as_str()),
    ];
    let reminder = m.kind == "wave_reminder";
    let subject = t(lang, if reminder { "mail-reminder-subject" } else { "mail-invite-subject" }, &args);
    let paragraphs = [
        t(lang, "mail-hello", &args),
        t(lang, if reminder { "mail-reminder-body" } else { "mail-invite-body" }, &args),
        t(lang, "mail-invite-how", &args),
    ];
    let footer = t(lang, "mail-unsubscribe", &[("link", &format!("{}/unsubscribe/{leave}", mailer.base_url))]);
    Ok(compose(lang, subject, &paragraphs, &link, &footer))
}

async fn write_reset_mail(store: &Store, mailer: &Mailer, m: &OutboxMessage, lang: Lang) -> Result<Written, Failure> {
    let Some(uid) = m.user_id else { return Err(Failure::Skip("incomplete")) };
    let Some(user) = store.user(uid).await? else { return Err(Failure::Skip("account gone")) };
    let token = new_token();
    store.create_password_reset(&hash_token(&token), uid, RESET_SECONDS).await?;
    let link = format!("{}/reset/{token}", mailer.base_url);
    let args = [("name", user.name.as_str())];
    let paragraphs = [t(lang, "mail-hello", &args), t(lang, "mail-reset-body", &args)];
    Ok(compose(lang, t(lang, "mail-reset-subject", &args), &paragraphs, &link, &t(lang, "mail-reset-footer", &[])))
}

async fn write_account_invitation(
    store: &Store,
    mailer: &Mailer,
    m: &OutboxMessage,
    lang: Lang,
) -> Result<Written, Failure> {
    let Some(cid) = m.community_id else { return Err(Failure::Skip("incomplete")) };
    let Some(c) = store.community_by_id(cid).await? else { return Err(Failure::Skip("community gone")) };
    let role = crate::domain::Role::parse(&m.role).unwrap_or(crate::domain::Role::Member);
    let token = new_token();
    store
        .create_invitation(
            &hash_token(&token),
            cid,
            role,
            None,
            &crate::store::in_seconds(crate::service::accounts::INVITATION_SECONDS),
            Some(1),
            None,
        )
        .await?;
    let link = format!("{}/join/{token}", mailer.base_url);
    let args = [("community", c.name.as_str())];
    let paragraphs = [t(lang, "mail-join-body", &args)];
    Ok(compose(lang, t(lang, "mail-join-subject", &args), &paragraphs, &link, &t(lang, "mail-join-footer", &[])))
}

/// The digest of a period for a community's list: new public stories, the report if it
/// was published then, upcoming convenings. Written from the store when sent, so it says
/// what is true then (a story hidden meanwhile is left out).
async fn write_digest(store: &Store, mailer: &Mailer, m: &OutboxMessage, lang: Lang) -> Result<Written, Failure> {
    let Some(cid) = m.community_id else { return Err(Failure::Skip("incomplete")) };
    let d = match crate::service::connect::digest(store, cid, &m.item).await {
        Ok(d) => d,
        Err(crate::service::ServiceError::NotFound) => return Err(Failure::Skip("community gone")),
        Err(e) => return Err(Failure::Transient(e.to_string())),
    };
    if d.community.private {
        return Err(Failure::Skip("community is private"));
    }
    let base = &mailer.base_url;
    let (first, last) = (crate::domain::convening::format_date(d.first), crate::domain::convening::format_date(d.last));
    let name = d.community.name.as_str();
    let args = [("community", name), ("from", first.as_str()), ("to", last.as_str())];
    let mut paragraphs = vec![t(lang, "digest-intro", &args)];
    if d.stories.is_empty() {
        paragraphs.push(t(lang, "digest-no-stories", &args));
    } else {
        paragraphs.push(t(lang, "digest-stories", &[("count", &d.stories.len().to_string())]));
        for s in &d.stories {
            let title = if s.title.trim().is_empty() { format!("#{}", s.id) } else { s.title.clone() };
            let by = if s.show_name && !s.teller_name.trim().is_empty() {
                format!(" ({})", s.teller_name)
            } else {
                String::new()
            };
            paragraphs.push(format!("• {title}{by}: {base}/stories/{}", s.id));
        }
    }
    if d.report_published {
        paragraphs.push(format!("{} {base}/c/{}/report", t(lang, "digest-report", &args), d.community.slug));
    }
    if !d.upcoming.is_empty() {
        paragraphs.push(t(lang, "digest-upcoming", &args));
        for c in &d.upcoming {
            let place = if c.place.is_empty() { String::new() } else { format!(", {}", c.place) };
            paragraphs.push(format!("• {} ({}{place}): {base}/convenings/{}", c.title, c.starts_on, c.id));
        }
    }
    let link = format!("{base}/c/{}", d.community.slug);
    let footer = t(lang, "digest-footer", &args);
    Ok(compose(lang, t(lang, "digest-subject", &args), &paragraphs, &link, &footer))
}

/// A new comment where the reader took part (they opted in on their profile).
async fn write_comment_mail(store: &Store, mailer: &Mailer, m: &OutboxMessage, lang: Lang) -> Result<Written, Failure> {
    let Some(id) = m.item.rsplit_once("#comment-").and_then(|(_, id)| id.parse::<i64>().ok()) else {
        return Err(Failure::Skip("incomplete"));
    };
    let Some(c) = store.comment(id).await? else { return Err(Failure::Skip("comment gone")) };
    if c.hidden {
        return Err(Failure::Skip("comment hidden"));
    }
    let Some(uid) = m.user_id else { return Err(Failure::Skip("incomplete")) };
    if !store.user_prefs(uid).await.is_ok_and(|p| p.notify_comments) {
        return Err(Failure::Skip("no longer wanted"));
    }
    let community = store.community_by_id(c.community_id).await?.map(|c| c.name).unwrap_or_default();
    let args = [("author", c.author_name.as_str()), ("community", community.as_str())];
    let paragraphs = [t(lang, "mail-comment-body", &args), crate::analysis::report::excerpt(&c.body, 600)];
    let link = format!("{}{}", mailer.base_url, m.item);
    Ok(compose(lang, t(lang, "mail-comment-subject", &args), &paragraphs, &link, &t(lang, "mail-comment-footer", &[])))
}

/// The worker inside `convene serve`: a pass every `poll_seconds`.
pub fn spawn_worker(store: crate::store::DynStore, mailer: Mailer, config: &Config) {
    let (poll, days) = (config.mail.poll_seconds.max(1), config.mail.reminder_days);
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(poll));
        loop {
            every.tick().await;
            match run_due(&store, &mailer, days).await {
                Ok(p) if p.sent + p.retried + p.failed + p.reminders_queued + p.digests_queued > 0 => {
                    tracing::info!(?p, "mail pass");
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "mail pass failed"),
            }
        }
    });
}
