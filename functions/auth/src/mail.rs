//! Mail to account holders: what the school writes ([`Letters`]) and how it is delivered
//! ([`Mailer`]: Amazon SES in AWS, the log locally; tests plug in their own to read it).
//!
//! Links carry their token in the URL's fragment (`#token=...`), which browsers never send to
//! a server: it stays out of access logs and `Referer` headers.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};
use shared::config::BaseUrl;

use crate::email::Email;
use crate::secret::OpaqueToken;
use crate::user::DisplayName;

/// One message to one address. Its `Debug` leaves out the text, which may hold a token.
#[derive(Clone)]
pub struct Mail {
    pub to: Email,
    pub subject: String,
    pub text: String,
}

impl fmt::Debug for Mail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mail")
            .field("to", &self.to)
            .field("subject", &self.subject)
            .finish_non_exhaustive()
    }
}

/// The future a [`Mailer`] returns.
pub type Sending<'a> = Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send + 'a>>;

/// Delivers mail.
pub trait Mailer: Send + Sync + fmt::Debug {
    /// Sends `mail`.
    ///
    /// # Errors
    /// When the message could not be handed over for delivery.
    fn send<'a>(&'a self, mail: &'a Mail) -> Sending<'a>;
}

/// Writes each message, links and tokens included, to the log instead of sending it.
///
/// For the local stack only (`MAILER=log`): anyone who can read the log can use the links.
/// Never configure it in AWS.
#[derive(Debug, Clone, Copy, Default)]
pub struct LogMailer;

impl Mailer for LogMailer {
    fn send<'a>(&'a self, mail: &'a Mail) -> Sending<'a> {
        Box::pin(async move {
            tracing::info!(
                to = %mail.to,
                subject = %mail.subject,
                text = %mail.text,
                "mail written to the log instead of being sent (MAILER=log)"
            );
            Ok(())
        })
    }
}

/// Sends mail through Amazon SES (v2 API) from one verified sender.
#[derive(Debug, Clone)]
pub struct SesMailer {
    client: aws_sdk_sesv2::Client,
    from: String,
}

impl SesMailer {
    /// A mailer sending from `from`, with a short timeout: a slow SES must not hold a
    /// request until the function's own timeout.
    pub fn new(sdk: &aws_types::SdkConfig, from: String) -> Self {
        let timeouts = aws_sdk_sesv2::config::timeout::TimeoutConfig::builder()
            .operation_timeout(Duration::from_secs(3))
            .build();
        let config = aws_sdk_sesv2::config::Builder::from(sdk)
            .timeout_config(timeouts)
            .build();
        Self {
            client: aws_sdk_sesv2::Client::from_conf(config),
            from,
        }
    }
}

impl Mailer for SesMailer {
    fn send<'a>(&'a self, mail: &'a Mail) -> Sending<'a> {
        Box::pin(async move {
            let text = |data: &str| {
                Content::builder()
                    .data(data)
                    .charset("UTF-8")
                    .build()
                    .map_err(anyhow::Error::new)
            };
            let message = Message::builder()
                .subject(text(&mail.subject)?)
                .body(Body::builder().text(text(&mail.text)?).build())
                .build();
            self.client
                .send_email()
                .from_email_address(&self.from)
                .destination(
                    Destination::builder()
                        .to_addresses(mail.to.as_str())
                        .build(),
                )
                .content(EmailContent::builder().simple(message).build())
                .send()
                .await
                .map_err(|e| anyhow::Error::new(e).context("SES SendEmail"))?;
            Ok(())
        })
    }
}

/// The messages the school sends, with links to its site.
#[derive(Debug, Clone)]
pub struct Letters {
    site: BaseUrl,
}

fn duration_words(duration: Duration) -> String {
    let minutes = duration.as_secs().div_ceil(60);
    match minutes {
        m if m % (24 * 60) == 0 => plural(m / (24 * 60), "day"),
        m if m % 60 == 0 => plural(m / 60, "hour"),
        m => plural(m, "minute"),
    }
}

fn plural(n: u64, unit: &str) -> String {
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

impl Letters {
    /// Letters whose links point at `site`.
    pub fn new(site: BaseUrl) -> Self {
        Self { site }
    }

    /// The link to `page` of the site, carrying `token` in its fragment.
    fn link(&self, page: &str, token: &OpaqueToken) -> String {
        self.site.join(&format!("{page}#token={}", token.expose()))
    }

    /// Asks a new account's owner to confirm their address.
    pub fn verify_email(
        &self,
        to: &Email,
        name: &DisplayName,
        token: &OpaqueToken,
        valid_for: Duration,
    ) -> Mail {
        Mail {
            to: to.clone(),
            subject: "Confirm your email address for skillpath".into(),
            text: format!(
                "Hello {name},\n\n\
                 Welcome to skillpath. Please confirm that this is your email address:\n\n\
                 {link}\n\n\
                 The link works once, for {valid}. If you did not create an account, ignore \
                 this message.\n",
                link = self.link("/verify-email", token),
                valid = duration_words(valid_for),
            ),
        }
    }

    /// Tells an address's owner that someone tried to register it again. (Registration answers
    /// as for a new account, so that it does not reveal which addresses have one.)
    pub fn already_registered(&self, to: &Email) -> Mail {
        Mail {
            to: to.clone(),
            subject: "Your skillpath account".into(),
            text: format!(
                "Hello,\n\n\
                 Someone, maybe you, tried to create a skillpath account with this address. \
                 You already have one. To sign in, go to {login}; if you forgot your \
                 password, reset it at {forgot}.\n\n\
                 If it was not you, you need not do anything.\n",
                login = self.site.join("/login"),
                forgot = self.site.join("/forgot-password"),
            ),
        }
    }

    /// Sends a password-reset link.
    pub fn reset_password(
        &self,
        to: &Email,
        name: &DisplayName,
        token: &OpaqueToken,
        valid_for: Duration,
    ) -> Mail {
        Mail {
            to: to.clone(),
            subject: "Reset your skillpath password".into(),
            text: format!(
                "Hello {name},\n\n\
                 Someone asked to reset the password of your skillpath account. To choose a \
                 new one, open:\n\n\
                 {link}\n\n\
                 The link works once, for {valid}, and signs you out everywhere. If you did not \
                 ask for it, ignore this message: your password stays as it is.\n",
                link = self.link("/reset-password", token),
                valid = duration_words(valid_for),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reset_letter_links_to_the_site_with_the_token_in_the_fragment() {
        let token = OpaqueToken::generate().unwrap();
        let site = BaseUrl::parse("https://school.example/").unwrap();
        let mail = Letters::new(site).reset_password(
            &Email::parse("ada@example.org").unwrap(),
            &DisplayName::parse("Ada").unwrap(),
            &token,
            Duration::from_secs(1800),
        );
        assert!(mail.text.contains(&format!(
            "https://school.example/reset-password#token={}",
            token.expose()
        )));
        assert!(mail.text.contains("30 minutes"), "{}", mail.text);
        assert!(!format!("{mail:?}").contains(token.expose()));
    }

    #[test]
    fn durations_read_as_words() {
        assert_eq!(duration_words(Duration::from_secs(3600)), "1 hour");
        assert_eq!(duration_words(Duration::from_secs(48 * 3600)), "2 days");
        assert_eq!(duration_words(Duration::from_secs(90)), "2 minutes");
    }
}
