//! Passwords and addresses: changing a password, resetting a forgotten one by mail, and
//! verifying an address (and mailing its link again).

use shared::clock::Timestamp;
use shared::identity::UserId;

use super::{CONCURRENT_ATTEMPT_WAIT, MailRequestError, PasswordChangeError, Service, TokenError};
use crate::email::Email;
use crate::outbox::MailJob;
use crate::password::Password;
use crate::secret::OpaqueToken;
use crate::session::SessionId;
use crate::store::{MailRequest, PasswordWriteError};

impl Service {
    /// Changes the password of `user` after checking the current one, revoking every session
    /// but `keep` (the caller's). Wrong current passwords count towards the same lockout as
    /// failed logins: a stolen access token must not become a way to guess the password.
    ///
    /// # Errors
    /// [`PasswordChangeError`].
    pub async fn change_password(
        &self,
        user: UserId,
        keep: Option<SessionId>,
        current: Password,
        new: Password,
        now: Timestamp,
    ) -> Result<(), PasswordChangeError> {
        let Some(stored) = self.store.user(user).await? else {
            return Err(PasswordChangeError::NotFound);
        };
        let email = &stored.account.email;
        let records = self.store.address(email, now).await?;
        let seen = records.login_failures.as_ref();
        let attempt = self
            .next_attempt(seen, now)
            .map_err(|retry_after| PasswordChangeError::Locked { retry_after })?;
        if !self
            .store
            .record_login_attempt(email, seen, &attempt, now)
            .await?
        {
            return Err(PasswordChangeError::Locked {
                retry_after: CONCURRENT_ATTEMPT_WAIT,
            });
        }
        if !self
            .hasher
            .verify(current, Some(stored.password_hash.clone()))
            .await?
        {
            tracing::info!(%user, failures = attempt.count, "password change refused: wrong current password");
            return Err(PasswordChangeError::WrongPassword);
        }
        let hash = self.hasher.hash(new).await?;
        let mut written = self.store.change_password(&stored, &hash, keep, now).await;
        if let Err(PasswordWriteError::KeptSessionGone) = written {
            // The caller's session is gone or was over already: the password changes anyway,
            // and that session ends with the others.
            written = self.store.change_password(&stored, &hash, None, now).await;
        }
        match written {
            Ok(()) => {
                tracing::info!(%user, "password changed; other sessions revoked");
                Ok(())
            }
            Err(PasswordWriteError::EpochMoved | PasswordWriteError::KeptSessionGone) => {
                Err(PasswordChangeError::Changed)
            }
            Err(PasswordWriteError::Db(err)) => Err(err.into()),
        }
    }

    /// Orders a password-reset link for the address, which the mail sender sends if the
    /// address has an enabled account. Requests are limited per address whether or not it has
    /// one; the answer, and the requests made to find it, are the same either way.
    ///
    /// # Errors
    /// [`MailRequestError::RateLimited`] past the limit.
    pub async fn forgot_password(
        &self,
        email: Email,
        now: Timestamp,
    ) -> Result<(), MailRequestError> {
        self.count_mail_request(MailRequest::PasswordReset, &email, now)
            .await?;
        tracing::info!("password reset requested");
        self.order(MailJob::PasswordReset {
            email: email.as_str().into(),
        })
        .await?;
        Ok(())
    }

    /// Orders the verification link again, which the mail sender sends if the address has an
    /// enabled account that is not verified yet; limited per address like
    /// [`Self::forgot_password`], and as silent.
    ///
    /// # Errors
    /// [`MailRequestError::RateLimited`] past the limit.
    pub async fn resend_verification(
        &self,
        email: Email,
        now: Timestamp,
    ) -> Result<(), MailRequestError> {
        self.count_mail_request(MailRequest::Verification, &email, now)
            .await?;
        tracing::info!("verification mail requested again");
        self.order(MailJob::Verification {
            email: email.as_str().into(),
        })
        .await?;
        Ok(())
    }

    /// Counts a request for `kind` of mail to `email`, past its limit refused. One query and
    /// one write, whoever holds the address.
    async fn count_mail_request(
        &self,
        kind: MailRequest,
        email: &Email,
        now: Timestamp,
    ) -> Result<(), MailRequestError> {
        let records = self.store.address(email, now).await?;
        let seen = match kind {
            MailRequest::PasswordReset => records.reset_requests.as_ref(),
            MailRequest::Verification => records.verify_requests.as_ref(),
        };
        let request = self
            .reset_limit
            .after_request(seen, now)
            .map_err(|retry_after| MailRequestError::RateLimited { retry_after })?;
        if !self
            .store
            .record_mail_request(kind, email, seen, &request, now)
            .await?
        {
            return Err(MailRequestError::RateLimited {
                retry_after: CONCURRENT_ATTEMPT_WAIT,
            });
        }
        Ok(())
    }

    /// Sets a new password with a reset token; every session ends.
    ///
    /// # Errors
    /// [`TokenError::Invalid`] for an unknown, used or expired token, or one made before the
    /// password last changed.
    pub async fn reset_password(
        &self,
        presented: OpaqueToken,
        new: Password,
        now: Timestamp,
    ) -> Result<(), TokenError> {
        let hash = presented.hash();
        let Some(record) = self.store.reset_token(&hash, now).await? else {
            return Err(TokenError::Invalid);
        };
        let password = self.hasher.hash(new).await?;
        self.store
            .reset_password(&hash, &record, &password, now)
            .await?;
        tracing::info!(user = %record.user, "password reset; every session revoked");
        Ok(())
    }

    /// Marks an address verified with its verification token.
    ///
    /// # Errors
    /// [`TokenError::Invalid`] for an unknown, used or expired token.
    pub async fn verify_email(
        &self,
        presented: OpaqueToken,
        now: Timestamp,
    ) -> Result<(), TokenError> {
        let hash = presented.hash();
        let Some(record) = self.store.verification_token(&hash, now).await? else {
            return Err(TokenError::Invalid);
        };
        self.store.verify_email(&hash, &record, now).await?;
        tracing::info!(user = %record.user, "email address verified");
        Ok(())
    }
}
