//! `convene mail run-due`: one pass of the mail sender, for cron (or alongside `serve`:
//! two senders never send one message twice).

use crate::config::Config;
use clap::Subcommand;

#[derive(Subcommand, Debug, Clone)]
pub enum MailCommand {
    /// Queue due reminders and send every due message once, then exit.
    RunDue,
}

pub async fn run(config: &Config, c: &MailCommand) -> anyhow::Result<()> {
    match c {
        MailCommand::RunDue => {
            let Some(mailer) = crate::mail::Mailer::from_config(config)? else {
                anyhow::bail!("mail is off: set mail.smtp_url (or CONVENE_SMTP_URL) and base_url");
            };
            let store = super::open(config).await?;
            let p = crate::mail::run_due(&store, &mailer, config.mail.reminder_days).await?;
            eprintln!(
                "mail: {} sent, {} to retry, {} given up, {} reminders queued",
                p.sent, p.retried, p.failed, p.reminders_queued
            );
            Ok(())
        }
    }
}
