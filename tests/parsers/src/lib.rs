//! The properties each parser of untrusted input keeps, one function per parser. Each takes any
//! text, runs the parser on it and panics when a property fails; a parser that panics fails the
//! same way. `tests/properties.rs` runs them under proptest in the test command, and the
//! cargo-fuzz targets in `fuzz/` run the same functions on whatever libFuzzer makes.

use std::sync::LazyLock;

use content::fields::{Slug, Tag};
use content::markdown;
use content::web::{self, Precondition};
use shared::caching;
use shared::catalog::CourseId;
use shared::config::BaseUrl;
use shared::identity::{Role, UserId};
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
