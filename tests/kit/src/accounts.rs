//! Accounts for the tests of `content` and `progress`, which run without `auth`: the account and
//! session items of the auth table put as the contract in `shared::account` describes them
//! (`auth` writes them; `content` and `progress` only read them, as the kits put the other
//! functions' enrollment and course items), and an access token issued in that session, signed
//! as `auth` signs it. `auth`'s own tests and the stack's make accounts through `auth`'s API.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use shared::account::{account_key, session_key};
use shared::identity::{Role, UserId};

/// How long a test account's session lasts.
const SESSION: Duration = Duration::from_secs(24 * 3600);

/// An account in a test's auth table, and an access token of its one session.
#[derive(Debug, Clone)]
pub struct TestAccount {
    pub id: UserId,
    pub token: String,
}

/// Puts an enabled account of `role` (its address verified when `verified`), with one live
/// session, into the auth table `table`; returns it with an access token named `name`.
///
/// # Panics
/// When the emulator refuses the items.
pub async fn put_account(
    db: &Client,
    table: &str,
    role: Role,
    name: &str,
    verified: bool,
) -> TestAccount {
    let id = UserId::new();
    let session = uuid::Uuid::now_v7().to_string();
    let expires_at = time::OffsetDateTime::now_utc().unix_timestamp() + SESSION.as_secs() as i64;
    let item = |key: shared::dynamo::Key, fields: Vec<(&str, AttributeValue)>| {
        let mut item: HashMap<String, AttributeValue> = HashMap::from([
            ("pk".to_owned(), AttributeValue::S(key.pk)),
            ("sk".to_owned(), AttributeValue::S(key.sk)),
        ]);
        item.extend(fields.into_iter().map(|(k, v)| (k.to_owned(), v)));
        item
    };
    let account = item(
        account_key(id),
        vec![
            ("entity", AttributeValue::S("user".into())),
            ("role", AttributeValue::S(role.as_str().into())),
            ("disabled", AttributeValue::Bool(false)),
            ("email_verified", AttributeValue::Bool(verified)),
            ("session_epoch", AttributeValue::N("0".into())),
        ],
    );
    let session_item = item(
        session_key(id, &session),
        vec![
            ("entity", AttributeValue::S("session".into())),
            ("epoch", AttributeValue::N("0".into())),
            ("expires_at", AttributeValue::N(expires_at.to_string())),
        ],
    );
    for item in [account, session_item] {
        db.put_item()
            .table_name(table)
            .set_item(Some(item))
            .send()
            .await
            .expect("the account's items are stored");
    }
    let token = crate::tokens::issuer()
        .issue_in_session(id, role, name, &session, 0)
        .expect("the test key signs")
        .token
        .expose()
        .to_owned();
    TestAccount { id, token }
}
