//! The properties each parser of untrusted input keeps, one function per parser. Each takes any
//! text, runs the parser on it and panics when a property fails; a parser that panics fails the
//! same way. `tests/properties.rs` runs them under proptest in the test command, and the
//! cargo-fuzz targets in `fuzz/` run the same functions on whatever libFuzzer makes.

use std::sync::LazyLock;

use aws_sdk_dynamodb::types::AttributeValue;

use auth::email::Email;
use auth::user::DisplayName;
use content::fields::{Slug, Tag};
use content::markdown;
use content::web::{self, Precondition};
use shared::caching;
use shared::catalog::CourseId;
use shared::config::BaseUrl;
use shared::identity::{Role, UserId};
use shared::page::{CursorKey, Listing};
use shared::token::{
    AccessTokenIssuer, AccessTokenVerifier, SigningKey, TokenSettings, VerifyingKeys,
};

/// A slug is lowercase ASCII words joined by single hyphens, at most 80 characters, never
/// shaped like an id, and parses back to itself.
pub fn slug(input: &str) {
    if let Ok(slug) = Slug::parse(input) {
        let text = slug.as_str();
        assert_eq!(text, input, "a slug is kept as written");
        assert!(text.len() <= Slug::MAX_LEN);
        assert_kebab_case(text);
        assert!(
            text.parse::<CourseId>().is_err(),
            "{text:?} looks like an id"
        );
        assert_eq!(Slug::parse(text), Ok(slug.clone()));
    }
}

/// A tag has a slug's shape, at most 32 characters.
pub fn tag(input: &str) {
    if let Ok(tag) = Tag::parse(input) {
        assert_eq!(tag.as_str(), input);
        assert!(input.len() <= Tag::MAX_LEN);
        assert_kebab_case(input);
    }
}

fn assert_kebab_case(text: &str) {
    assert!(!text.is_empty() && !text.starts_with('-') && !text.ends_with('-'));
    assert!(!text.contains("--"), "{text:?}");
    assert!(
        text.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
        "{text:?}"
    );
}

/// An id is a UUID; the text of a parsed id is its canonical form and parses to the same id.
pub fn id(input: &str) {
    if let Ok(id) = input.parse::<UserId>() {
        let text = id.to_string();
        assert_eq!(text.len(), 36);
        assert_eq!(text, text.to_ascii_lowercase());
        assert_eq!(text.parse::<UserId>(), Ok(id));
    }
}

/// `If-None-Match`: every tag read is `*` or the inside of a quoted tag (no quote in it), and
/// reading never looks past the value.
pub fn if_none_match(input: &str) {
    for tag in caching::entity_tags(input) {
        assert!(tag == "*" || !tag.contains('"'), "{tag:?} from {input:?}");
        assert!(input.contains(tag));
    }
}

/// `If-Match`: only our own tags (`v<n>-<16 characters>`) name versions, and the tag of a
/// version made by `web::entity_tag` names exactly that version.
pub fn if_match(input: &str) {
    match Precondition::parse(Some(input)) {
        Precondition::Absent => panic!("a present header is never absent"),
        Precondition::Any => assert!(input.contains('*')),
        Precondition::Versions(versions) => {
            for version in versions {
                let ours = format!("v{version}-");
                assert!(input.contains(&ours), "{version} is not named in {input:?}");
            }
        }
    }
    let version = input.len() as u64;
    let tag = web::entity_tag(Some(version), input.as_bytes());
    assert_eq!(
        Precondition::parse(Some(&tag)),
        Precondition::Versions(vec![version])
    );
}

/// An address is its own normal form (parsing it again gives it back) and hides nothing: no
/// control, format or other invisible character; its domain is ASCII (the IDNA A-label form).
pub fn email(input: &str) {
    if let Ok(email) = Email::parse(input) {
        let text = email.as_str();
        assert_eq!(shared::text::hidden(text), None, "{text:?}");
        let (_, domain) = text.rsplit_once('@').expect("an address has a domain");
        assert!(domain.is_ascii(), "{text:?}");
        assert_eq!(Email::parse(text), Ok(email.clone()));
    }
}

/// A display name is its own normal form and hides nothing.
pub fn display_name(input: &str) {
    if let Ok(name) = DisplayName::parse(input) {
        let text = name.as_str();
        assert_eq!(shared::text::hidden(text), None, "{text:?}");
        assert_eq!(
            DisplayName::parse(text).as_ref().map(DisplayName::as_str),
            Ok(text)
        );
    }
}

static CURSORS: LazyLock<CursorKey> =
    LazyLock::new(|| CursorKey::new(&[7; 32]).expect("a 32-byte key"));

const LISTING: Listing<'static> = Listing {
    key_attributes: &["pk", "sk"],
    partition: &[("pk", "COURSES")],
};

/// A cursor: text not signed with the key never decodes; a cursor made with the key from
/// `input` as a key value decodes to exactly that key, unless the value is empty.
pub fn cursor(input: &str) {
    assert!(CURSORS.decode(input, LISTING).is_err(), "{input:?} decoded");
    let item = [("pk", "COURSES"), ("sk", input)]
        .into_iter()
        .map(|(name, value)| (name.to_owned(), AttributeValue::S(value.to_owned())))
        .collect();
    let cursor = CURSORS.encode(Some(&item)).expect("a key makes a cursor");
    match CURSORS.decode(&cursor, LISTING) {
        Ok(decoded) => {
            assert!(
                !input.is_empty(),
                "a cursor with an empty key value decoded"
            );
            assert_eq!(decoded, item);
        }
        Err(_) => assert!(input.is_empty() || cursor.len() > 2048, "{input:?} lost"),
    }
}

static BASE: LazyLock<BaseUrl> =
    LazyLock::new(|| BaseUrl::parse("https://skillpath.test").expect("a base URL"));

/// Markdown's internal links: each stays on this site (a root-relative path, or under the
/// base URL), is listed once, and names its target by a valid slug.
pub fn markdown_links(input: &str) {
    let links = markdown::internal_links(input, &BASE);
    for (i, link) in links.iter().enumerate() {
        let href = link.href.as_str();
        let on_site = (href.starts_with('/') && !href.starts_with("//"))
            || href
                .strip_prefix(BASE.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
        assert!(on_site, "{href:?} leaves the site");
        assert!(links[..i].iter().all(|earlier| earlier.href != link.href));
        if let Some(target) = &link.target {
            assert!(Slug::parse(target.slug.as_str()).is_ok());
        }
    }
}

const TEST_KEY: &str = include_str!("../../fixtures/keys/test-signing-key.pem");

fn settings() -> TokenSettings {
    TokenSettings {
        issuer: "https://auth.skillpath.test".into(),
        audience: "skillpath-api".into(),
    }
}

static ISSUER: LazyLock<AccessTokenIssuer> = LazyLock::new(|| {
    let key = SigningKey::from_pem("test-1", TEST_KEY.as_bytes()).expect("the test key");
    AccessTokenIssuer::new(key, settings(), std::time::Duration::from_secs(600))
});

static VERIFIER: LazyLock<AccessTokenVerifier> = LazyLock::new(|| {
    let set = jsonwebtoken::jwk::JwkSet {
        keys: vec![ISSUER.signing_key().public_jwk().clone()],
    };
    let keys = VerifyingKeys::from_jwks_set(&set).expect("the test key set");
    AccessTokenVerifier::new(keys, &settings())
});

/// A bearer token: text that is not a token of ours never verifies, and neither does one of
/// ours with `input` spliced into it.
pub fn bearer_token(input: &str) {
    assert!(VERIFIER.verify(input).is_err(), "{input:?} verified");
    let genuine = ISSUER
        .issue(UserId::new(), Role::Learner, "Ada Lovelace")
        .expect("a token")
        .token;
    let genuine = genuine.expose();
    let at = input.len() % genuine.len();
    let spliced = format!("{}{input}{}", &genuine[..at], &genuine[at..]);
    if spliced != genuine {
        assert!(VERIFIER.verify(&spliced).is_err(), "{spliced:?} verified");
    }
}
