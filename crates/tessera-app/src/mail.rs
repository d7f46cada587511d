//! Email notifications. A message is queued as a job, so it survives a crash and is retried
//! when the mail server is away; without a configured SMTP server, notifications are only
//! logged.

use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};
use tessera_domain::UserId;

use crate::tessera::now;
use crate::{Error, Result, Tessera};

pub(crate) const SEND_MAIL: &str = "send-mail";

/// Where mail goes out, when it does.
#[derive(Clone, Debug)]
pub struct MailConfig {
    /// `smtp://host:port`, `smtp://user:password@host:587?tls=required` or `smtps://host`.
    pub smtp_url: String,
    /// The sender, such as `Tessera <repository@example.org>`.
    pub from: String,
}

/// The transport and sender, checked once at start-up.
#[derive(Clone)]
pub(crate) struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    pub(crate) fn new(config: &MailConfig) -> Result<Self> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&config.smtp_url)
            .map_err(|e| Error::BadRequest(format!("the SMTP address '{}' is not usable: {e}", redact(&config.smtp_url))))?
            .build();
        let from =
            config.from.parse().map_err(|e| Error::BadRequest(format!("the sender '{}' is not a mail address: {e}", config.from)))?;
        Ok(Self { transport, from })
    }
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => format!("{}://…{}", &url[..scheme], &url[at..]),
        _ => url.to_string(),
    }
}

#[derive(Serialize, Deserialize)]
struct Mail {
    to: Vec<String>,
    subject: String,
    body: String,
}

impl Tessera {
    /// Queues a message to these people; each gets their own copy.
    pub(crate) async fn notify(&self, to: &[UserId], subject: String, body: String) -> Result<()> {
        let mut addresses = Vec::new();
        for user in to {
            // Accounts whose provider shared no email have one under .invalid, which no mail reaches.
            if let Some(user) = self.catalog.user(*user).await?
                && !user.email.ends_with(".invalid")
            {
                addresses.push(user.email);
            }
        }
        self.mail_to(addresses, subject, body).await
    }

    /// Queues a message to these addresses, such as a reporter's without an account.
    pub(crate) async fn mail_to(&self, mut addresses: Vec<String>, subject: String, body: String) -> Result<()> {
        addresses.sort();
        addresses.dedup();
        if addresses.is_empty() {
            return Ok(());
        }
        if self.mailer.is_none() {
            tracing::info!(to = ?addresses, subject, "mail is not configured; notification not sent");
            return Ok(());
        }
        for address in addresses {
            let mail = Mail { to: vec![address], subject: subject.clone(), body: body.clone() };
            let payload = serde_json::to_string(&mail).map_err(|e| Error::Corrupt(e.to_string()))?;
            self.catalog.schedule_job(SEND_MAIL, &crate::accounts::random_token()?, &now(), Some(&payload), &now()).await?;
        }
        Ok(())
    }

    pub(crate) async fn send_mail(&self, payload: &str) -> Result<()> {
        let Some(mailer) = &self.mailer else { return Ok(()) };
        let mail: Mail = serde_json::from_str(payload).map_err(|e| Error::Corrupt(format!("a queued mail: {e}")))?;
        let mut message = Message::builder().from(mailer.from.clone()).subject(&mail.subject);
        for to in &mail.to {
            message = message.to(to.parse().map_err(|e| Error::Corrupt(format!("recipient {to}: {e}")))?);
        }
        let message = message.body(mail.body).map_err(|e| Error::Corrupt(e.to_string()))?;
        mailer.transport.send(message).await.map_err(|e| Error::Io(std::io::Error::other(format!("sending mail: {e}"))))?;
        tracing::info!(to = ?mail.to, subject = %mail.subject, "mail sent");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_stay_out_of_messages_and_bad_settings_are_named() {
        assert_eq!(redact("smtp://user:secret@mail.example.org:587"), "smtp://…@mail.example.org:587");
        assert_eq!(redact("smtp://127.0.0.1:25"), "smtp://127.0.0.1:25");
        let bad = MailConfig { smtp_url: "smtp://127.0.0.1:25".into(), from: "not an address".into() };
        assert!(Mailer::new(&bad).err().is_some_and(|e| e.to_string().contains("not a mail address")));
        assert!(Mailer::new(&MailConfig { smtp_url: "ftp://x".into(), from: "a@b.org".into() }).is_err());
    }
}
