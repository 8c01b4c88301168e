//! The errors of `auth`'s operations, and how each becomes the API's one error.

use std::time::Duration;

use shared::ApiError;
use shared::dynamo::DbError;

use crate::email::Email;
use crate::store::SpentError;

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

/// Why a request for a password-reset or verification link was refused.
#[derive(Debug, thiserror::Error)]
pub enum MailRequestError {
    #[error("too many requests for this mail to this address; wait {retry_after:?}")]
    RateLimited { retry_after: Duration },
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Why an account's role or status did not change.
#[derive(Debug, thiserror::Error)]
pub enum AccountChangeError {
    #[error("no such account")]
    NotFound,
    #[error("an admin's own account is changed by another admin")]
    OwnAccount,
    #[error("the last admin cannot be demoted or disabled")]
    LastAdmin,
    #[error(transparent)]
    Db(#[from] DbError),
}

/// What the operator's `create-user` could not do.
#[derive(Debug, thiserror::Error)]
pub enum ProvisionError {
    #[error("the account cannot lose its admin role: it is the last admin")]
    LastAdmin,
    /// Another account's address looks like this one: the operator may have mistyped it.
    #[error("the address looks like {owner}, which has an account")]
    Lookalike { owner: Email },
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

impl From<MailRequestError> for ApiError {
    fn from(err: MailRequestError) -> Self {
        match err {
            MailRequestError::RateLimited { retry_after } => ApiError::RateLimited { retry_after },
            MailRequestError::Db(err) => err.into(),
            MailRequestError::Unexpected(err) => ApiError::Unexpected(err),
        }
    }
}

impl From<AccountChangeError> for ApiError {
    fn from(err: AccountChangeError) -> Self {
        match err {
            AccountChangeError::NotFound => ApiError::NotFound,
            AccountChangeError::OwnAccount => ApiError::OwnAccount,
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
