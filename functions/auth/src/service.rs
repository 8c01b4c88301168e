//! What `auth` does, operation by operation, between the handlers (which parse and authorise)
//! and the store (which talks to DynamoDB). Each operation has its own error type, converted
//! into the API's one error by `From`.

use std::sync::Arc;
use std::time::Duration;

use shared::ApiError;
use shared::dynamo::DbError;
use shared::identity::{Role, UserId};
use shared::page::Page;
use shared::token::AccessTokenIssuer;
use time::OffsetDateTime;

use crate::config::Lifetimes;
use crate::email::Email;
use crate::mail::{Letters, Mail, Mailer};
use crate::password::{Password, PasswordHasher};
use crate::secret::OpaqueToken;
use crate::session::{SessionId, SessionTokens};
use crate::store::{
    AccountChange, AccountChangeError, CreateAccountError, EmailTokenRecord, NewSession,
    SpentError, Store, StoredUser,
};
use crate::throttle::{LoginBackoff, ResetRequestLimit};
use crate::user::{Account, DisplayName};

/// How long a caller waits when another attempt on the same address is in flight.
const CONCURRENT_ATTEMPT_WAIT: Duration = Duration::from_secs(1);

/// `auth`'s operations, with everything they need; built once per cold start.
#[derive(Debug, Clone)]
pub struct Service {
    store: Store,
    hasher: PasswordHasher,
    issuer: Arc<AccessTokenIssuer>,
    mailer: Arc<dyn Mailer>,
    letters: Letters,
    lifetimes: Lifetimes,
    backoff: LoginBackoff,
    reset_limit: ResetRequestLimit,
}

/// The present, once per operation.
struct Now {
    at: OffsetDateTime,
}

impl Now {
    fn new() -> Self {
        Self {
            at: OffsetDateTime::now_utc(),
        }
    }

    fn s(&self) -> i64 {
        self.at.unix_timestamp()
    }

    fn ms(&self) -> i64 {
        (self.at.unix_timestamp_nanos() / 1_000_000) as i64
    }

    fn plus(&self, duration: Duration) -> i64 {
        self.s() + duration.as_secs() as i64
    }
}

// ----- errors ------------------------------------------------------------------------------

/// Why a login was refused.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// Unknown email or wrong password: the caller is not told which.
    #[error("wrong email or password")]
    InvalidCredentials,
    #[error("too many failed logins; locked for {retry_after:?}")]
    Locked { retry_after: Duration },
    /// The right password for an account an admin disabled.
    #[error("the account is disabled")]
    Disabled,
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Why an opaque token (refresh, verification, reset) did nothing.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// Unknown, used, expired or revoked: the caller is not told which.
    #[error("the token is not valid")]
    Invalid,
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Why a password change was refused.
#[derive(Debug, thiserror::Error)]
pub enum PasswordChangeError {
    #[error("the current password is wrong")]
    WrongPassword,
    #[error("too many wrong passwords; locked for {retry_after:?}")]
    Locked { retry_after: Duration },
    #[error("no such account")]
    NotFound,
    /// The password or the sessions changed while this change was being made.
    #[error("the account changed meanwhile")]
    Changed,
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Why a password-reset request was refused.
#[derive(Debug, thiserror::Error)]
pub enum ResetRequestError {
    #[error("too many reset requests for this address; wait {retry_after:?}")]
    RateLimited { retry_after: Duration },
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// What the operator's `create-user` could not do.
#[derive(Debug, thiserror::Error)]
pub enum ProvisionError {
    #[error("the account cannot lose its admin role: it is the last admin")]
    LastAdmin,
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<LoginError> for ApiError {
    fn from(err: LoginError) -> Self {
        match err {
            LoginError::InvalidCredentials => ApiError::InvalidCredentials,
            LoginError::Locked { retry_after } => ApiError::RateLimited { retry_after },
            LoginError::Disabled => ApiError::Forbidden,
            LoginError::Db(err) => err.into(),
            LoginError::Unexpected(err) => ApiError::Unexpected(err),
        }
    }
}

impl From<TokenError> for ApiError {
    fn from(err: TokenError) -> Self {
        match err {
            TokenError::Invalid => ApiError::InvalidCredentials,
            TokenError::Db(err) => err.into(),
            TokenError::Unexpected(err) => ApiError::Unexpected(err),
        }
    }
}

impl From<PasswordChangeError> for ApiError {
    fn from(err: PasswordChangeError) -> Self {
        match err {
            PasswordChangeError::WrongPassword => {
                ApiError::invalid("current_password", "is not the account's password")
            }
            PasswordChangeError::Locked { retry_after } => ApiError::RateLimited { retry_after },
            PasswordChangeError::NotFound => ApiError::NotFound,
            PasswordChangeError::Changed => ApiError::Conflict(
                "the account's password or sessions changed meanwhile; try again".into(),
            ),
            PasswordChangeError::Db(err) => err.into(),
            PasswordChangeError::Unexpected(err) => ApiError::Unexpected(err),
        }
    }
}

impl From<ResetRequestError> for ApiError {
    fn from(err: ResetRequestError) -> Self {
        match err {
            ResetRequestError::RateLimited { retry_after } => ApiError::RateLimited { retry_after },
            ResetRequestError::Db(err) => err.into(),
            ResetRequestError::Unexpected(err) => ApiError::Unexpected(err),
        }
    }
}

impl From<AccountChangeError> for ApiError {
    fn from(err: AccountChangeError) -> Self {
        match err {
            AccountChangeError::NotFound => ApiError::NotFound,
            AccountChangeError::LastAdmin => ApiError::Conflict(
                "the school's last admin cannot be demoted or disabled; make another admin first"
                    .into(),
            ),
            AccountChangeError::Db(err) => err.into(),
        }
    }
}

impl From<SpentError> for TokenError {
    fn from(err: SpentError) -> Self {
        match err {
            SpentError::Spent => TokenError::Invalid,
            SpentError::Db(err) => TokenError::Db(err),
        }
    }
}

// ----- operations --------------------------------------------------------------------------

impl Service {
    pub fn new(
        store: Store,
        issuer: AccessTokenIssuer,
        mailer: Arc<dyn Mailer>,
        letters: Letters,
        lifetimes: Lifetimes,
    ) -> Self {
        Self {
            store,
            hasher: PasswordHasher::new(),
            issuer: Arc::new(issuer),
            mailer,
            letters,
            backoff: LoginBackoff::new(lifetimes.lockout_base),
            reset_limit: ResetRequestLimit::default(),
            lifetimes,
        }
    }

    /// The same service delivering mail through `mailer`.
    pub fn with_mailer(mut self, mailer: Arc<dyn Mailer>) -> Self {
        self.mailer = mailer;
        self
    }

    /// Sends a message; a failure is logged, never the caller's problem (and never reveals
    /// whether the address has an account).
    async fn deliver(&self, mail: Mail, what: &'static str) {
        if let Err(error) = self.mailer.send(&mail).await {
            tracing::error!(
                error = format!("{error:#}"),
                mail = what,
                "sending mail failed"
            );
        }
    }

    /// Registers a learner and mails them a verification link. For an address that already
    /// has an account the answer looks the same (a fresh, unsaved account) and the owner gets
    /// a note instead: registration must not reveal who has an account.
    ///
    /// # Errors
    /// DynamoDB or hashing failures.
    pub async fn register(
        &self,
        email: Email,
        password: Password,
        name: DisplayName,
    ) -> Result<Account, ApiError> {
        let now = Now::new();
        let account = Account::new_learner(email, name);
        let hash = self.hasher.hash(password).await?;
        let token = OpaqueToken::generate()?;
        let expires_at = now.plus(self.lifetimes.email_verification);
        match self
            .store
            .create_account(&account, &hash, Some((&token.hash(), expires_at)))
            .await
        {
            Ok(()) => {
                tracing::info!(user = %account.id, "account registered");
                let mail = self.letters.verify_email(
                    &account.email,
                    &account.name,
                    &token,
                    self.lifetimes.email_verification,
                );
                self.deliver(mail, "verify_email").await;
            }
            Err(CreateAccountError::EmailTaken) => {
                tracing::info!("registration of an address that has an account; owner notified");
                let mail = self.letters.already_registered(&account.email);
                self.deliver(mail, "already_registered").await;
            }
            Err(CreateAccountError::Db(err)) => return Err(err.into()),
        }
        Ok(account)
    }

    /// Checks a password and starts a session.
    ///
    /// Every attempt is first recorded as a failure, on the condition that nobody else
    /// recorded one since it read the count: so attempts on one address run one at a time, and
    /// parallel guesses cannot all slip in before the lockout. A success forgets the failures.
    /// An unknown address is counted and checked (against a dummy hash) like a known one.
    ///
    /// # Errors
    /// [`LoginError`].
    pub async fn login(
        &self,
        email: Email,
        password: Password,
    ) -> Result<SessionTokens, LoginError> {
        let now = Now::new();
        let records = self.store.address(&email, now.s()).await?;
        let seen = records.login_failures.as_ref();
        if let Some(retry_after) = self.backoff.wait(seen, now.ms()) {
            tracing::info!(failures = seen.map(|f| f.count), "login refused: locked");
            return Err(LoginError::Locked { retry_after });
        }
        let attempt = self.backoff.after_attempt(seen, now.ms());
        let owner = async {
            match records.owner {
                Some(id) => self.store.user(id).await,
                None => Ok(None),
            }
        };
        let (recorded, user) = tokio::try_join!(
            self.store
                .record_login_attempt(&email, seen, &attempt, now.s()),
            owner
        )?;
        if !recorded {
            tracing::info!("login refused: another attempt on the address is in flight");
            return Err(LoginError::Locked {
                retry_after: CONCURRENT_ATTEMPT_WAIT,
            });
        }
        let hash = user.as_ref().map(|u| u.password_hash.clone());
        let matches = self.hasher.verify(password, hash).await?;
        let Some(user) = user.filter(|_| matches) else {
            tracing::info!(
                failures = attempt.count,
                locked = attempt.locked_until_ms > 0,
                "login refused: wrong email or password"
            );
            return Err(LoginError::InvalidCredentials);
        };
        if user.account.disabled {
            tracing::info!(user = %user.account.id, "login refused: account disabled");
            return Err(LoginError::Disabled);
        }
        let tokens = self.start_session(&user, &now).await?;
        tracing::info!(user = %user.account.id, "logged in");
        Ok(tokens)
    }

    async fn start_session(&self, user: &StoredUser, now: &Now) -> anyhow::Result<SessionTokens> {
        let session = SessionId::new();
        let refresh_token = OpaqueToken::generate()?;
        self.store
            .start_session(
                NewSession {
                    user: user.account.id,
                    session,
                    token: &refresh_token.hash(),
                    epoch: user.session_epoch,
                    expires_at: now.plus(self.lifetimes.session),
                },
                &user.account.email,
                now.at,
            )
            .await?;
        self.tokens(user, session, refresh_token)
    }

    fn tokens(
        &self,
        user: &StoredUser,
        session: SessionId,
        refresh_token: OpaqueToken,
    ) -> anyhow::Result<SessionTokens> {
        let access = self.issuer.issue_in_session(
            user.account.id,
            user.account.role,
            user.account.name.as_str(),
            &session.to_string(),
        )?;
        Ok(SessionTokens {
            access_token: access.token,
            expires_in: access.expires_in,
            refresh_token,
        })
    }

    /// Exchanges a refresh token for new tokens, consuming it. A token presented after it
    /// was consumed (by an earlier refresh, or a concurrent one that won) revokes its whole
    /// session: one of the two holders is not its owner.
    ///
    /// # Errors
    /// [`TokenError::Invalid`] for an unknown, consumed, expired or revoked token, or a
    /// disabled account.
    pub async fn refresh(&self, presented: OpaqueToken) -> Result<SessionTokens, TokenError> {
        let now = Now::new();
        let hash = presented.hash();
        let Some(record) = self.store.refresh_token(&hash, now.s()).await? else {
            return Err(TokenError::Invalid);
        };
        let Some(user) = self.store.user(record.user).await? else {
            return Err(TokenError::Invalid);
        };
        if user.account.disabled {
            tracing::info!(user = %record.user, "refresh refused: account disabled");
            return Err(TokenError::Invalid);
        }
        let next = OpaqueToken::generate()?;
        let rotated = self
            .store
            .rotate_refresh_token(&record, &hash, &next.hash(), user.session_epoch, now.s())
            .await;
        match rotated {
            Ok(()) => Ok(self.tokens(&user, record.session, next)?),
            Err(SpentError::Spent) => {
                if self.store.session_reuse(&record, &hash).await? {
                    tracing::warn!(
                        user = %record.user,
                        session = %record.session,
                        "a consumed refresh token was presented again; revoking its session"
                    );
                    self.store
                        .revoke_session(record.user, record.session, now.at)
                        .await?;
                } else {
                    tracing::info!(session = %record.session, "refresh refused: session over");
                }
                Err(TokenError::Invalid)
            }
            Err(SpentError::Db(err)) => Err(err.into()),
        }
    }

    /// Ends the session of a refresh token (consumed or not). Unknown tokens are ignored:
    /// logging out is idempotent.
    ///
    /// # Errors
    /// DynamoDB failures.
    pub async fn logout(&self, presented: Option<OpaqueToken>) -> Result<(), DbError> {
        let now = Now::new();
        let Some(presented) = presented else {
            return Ok(());
        };
        if let Some(record) = self.store.refresh_token(&presented.hash(), now.s()).await? {
            self.store
                .revoke_session(record.user, record.session, now.at)
                .await?;
            tracing::info!(user = %record.user, session = %record.session, "logged out");
        }
        Ok(())
    }

    /// Ends every session of an account.
    ///
    /// # Errors
    /// DynamoDB failures.
    pub async fn logout_everywhere(&self, user: UserId) -> Result<(), DbError> {
        self.store.revoke_all_sessions(user).await?;
        tracing::info!(%user, "logged out of every session");
        Ok(())
    }

    /// The account of `user`.
    ///
    /// # Errors
    /// 404 when it does not exist.
    pub async fn account(&self, user: UserId) -> Result<Account, ApiError> {
        match self.store.user(user).await? {
            Some(stored) => Ok(stored.account),
            None => Err(ApiError::NotFound),
        }
    }

    /// Renames an account. Access tokens carry the new name from the next refresh on.
    ///
    /// # Errors
    /// 404 when it does not exist.
    pub async fn rename(&self, user: UserId, name: DisplayName) -> Result<Account, ApiError> {
        match self.store.rename(user, &name, Now::new().at).await? {
            Some(stored) => Ok(stored.account),
            None => Err(ApiError::NotFound),
        }
    }

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
    ) -> Result<(), PasswordChangeError> {
        let now = Now::new();
        let Some(stored) = self.store.user(user).await? else {
            return Err(PasswordChangeError::NotFound);
        };
        let email = &stored.account.email;
        let records = self.store.address(email, now.s()).await?;
        let seen = records.login_failures.as_ref();
        if let Some(retry_after) = self.backoff.wait(seen, now.ms()) {
            return Err(PasswordChangeError::Locked { retry_after });
        }
        let attempt = self.backoff.after_attempt(seen, now.ms());
        if !self
            .store
            .record_login_attempt(email, seen, &attempt, now.s())
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
        match self
            .store
            .change_password(&stored, &hash, keep, now.at)
            .await
        {
            Ok(()) => {
                tracing::info!(%user, "password changed; other sessions revoked");
                Ok(())
            }
            Err(SpentError::Spent) => Err(PasswordChangeError::Changed),
            Err(SpentError::Db(err)) => Err(err.into()),
        }
    }

    /// Mails a password-reset link if the address has an (enabled) account. Requests are
    /// limited per address whether or not it has one, so the answer reveals nothing.
    ///
    /// # Errors
    /// [`ResetRequestError::RateLimited`] past the limit.
    pub async fn forgot_password(&self, email: Email) -> Result<(), ResetRequestError> {
        let now = Now::new();
        let records = self.store.address(&email, now.s()).await?;
        let seen = records.reset_requests.as_ref();
        let request = self
            .reset_limit
            .after_request(seen, now.s())
            .map_err(|retry_after| ResetRequestError::RateLimited { retry_after })?;
        let user = match records.owner {
            Some(id) => self.store.user(id).await?,
            None => None,
        }
        .filter(|user| !user.account.disabled);
        let token = user.as_ref().map(|_| OpaqueToken::generate()).transpose()?;
        let record = user.as_ref().map(|user| EmailTokenRecord {
            user: user.account.id,
            email: email.clone(),
            session_epoch: user.session_epoch,
            expires_at: now.plus(self.lifetimes.password_reset),
        });
        let hash = token.as_ref().map(OpaqueToken::hash);
        let stored_token = hash.as_ref().zip(record.as_ref());
        if !self
            .store
            .record_reset_request(&email, seen, &request, stored_token, now.s())
            .await?
        {
            return Err(ResetRequestError::RateLimited {
                retry_after: CONCURRENT_ATTEMPT_WAIT,
            });
        }
        if let (Some(user), Some(token)) = (user, token) {
            tracing::info!(user = %user.account.id, "password reset requested");
            let mail = self.letters.reset_password(
                &email,
                &user.account.name,
                &token,
                self.lifetimes.password_reset,
            );
            self.deliver(mail, "reset_password").await;
        } else {
            tracing::info!("password reset requested for an address without an account");
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
    ) -> Result<(), TokenError> {
        let now = Now::new();
        let hash = presented.hash();
        let Some(record) = self.store.reset_token(&hash, now.s()).await? else {
            return Err(TokenError::Invalid);
        };
        let password = self.hasher.hash(new).await?;
        self.store
            .reset_password(&hash, &record, &password, now.at)
            .await?;
        tracing::info!(user = %record.user, "password reset; every session revoked");
        Ok(())
    }

    /// Marks an address verified with its verification token.
    ///
    /// # Errors
    /// [`TokenError::Invalid`] for an unknown, used or expired token.
    pub async fn verify_email(&self, presented: OpaqueToken) -> Result<(), TokenError> {
        let now = Now::new();
        let hash = presented.hash();
        let Some(record) = self.store.verification_token(&hash, now.s()).await? else {
            return Err(TokenError::Invalid);
        };
        self.store.verify_email(&hash, &record, now.at).await?;
        tracing::info!(user = %record.user, "email address verified");
        Ok(())
    }

    /// One page of accounts, of one role if given.
    ///
    /// # Errors
    /// 400 for a foreign cursor; DynamoDB failures.
    pub async fn accounts(
        &self,
        role: Option<Role>,
        limit: i32,
        cursor: Option<&str>,
    ) -> Result<Page<Account>, ApiError> {
        self.store.list_accounts(role, limit, cursor).await
    }

    /// Changes an account's role or status; the school keeps at least one active admin.
    ///
    /// # Errors
    /// [`AccountChangeError`].
    pub async fn change_account(
        &self,
        user: UserId,
        change: AccountChange,
    ) -> Result<Account, AccountChangeError> {
        let account = self
            .store
            .change_account(user, change, Now::new().at)
            .await?;
        tracing::info!(%user, role = %account.role, disabled = account.disabled, "account changed");
        Ok(account)
    }
}

/// Creates an account with a role, or gives an existing account of that address the role:
/// the operator's `create-user`, through the same store code as the API. The operator vouches
/// for the address, so it counts as verified. Returns the account and whether it was created.
///
/// # Errors
/// [`ProvisionError`].
pub async fn provision(
    store: &Store,
    email: Email,
    name: DisplayName,
    role: Role,
    password: Password,
) -> Result<(Account, bool), ProvisionError> {
    let mut account = Account::new_learner(email, name);
    account.role = role;
    account.email_verified = true;
    let hash = PasswordHasher::new().hash(password).await?;
    match store.create_account(&account, &hash, None).await {
        Ok(()) => Ok((account, true)),
        Err(CreateAccountError::EmailTaken) => {
            let now = Now::new();
            let owner = store
                .address(&account.email, now.s())
                .await?
                .owner
                .ok_or_else(|| anyhow::anyhow!("the address was taken, then freed"))?;
            let change = AccountChange {
                role: Some(role),
                disabled: None,
                verify_email: true,
            };
            match store.change_account(owner, change, now.at).await {
                Ok(account) => Ok((account, false)),
                Err(AccountChangeError::LastAdmin) => Err(ProvisionError::LastAdmin),
                Err(AccountChangeError::NotFound) => {
                    Err(anyhow::anyhow!("the address's account {owner} is missing").into())
                }
                Err(AccountChangeError::Db(err)) => Err(err.into()),
            }
        }
        Err(CreateAccountError::Db(err)) => Err(err.into()),
    }
}
