//! Typed ids: a `UserId` can never be passed where a `CourseId` is expected.
//!
//! Ids are UUIDv7 (time-ordered, so items sorted by id are sorted by creation) rendered as
//! lowercase hyphenated text, in the API and in DynamoDB keys alike.

/// Declares a typed id: a newtype over a UUID that parses, prints and (de)serialises as text.
#[macro_export]
macro_rules! typed_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name($crate::__private::uuid::Uuid);

        impl $name {
            /// A new, unique id.
            #[allow(clippy::new_without_default)]
            pub fn new() -> Self {
                Self($crate::__private::uuid::Uuid::now_v7())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::ids::InvalidId;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $crate::__private::uuid::Uuid::try_parse(s)
                    .map(Self)
                    .map_err(|_| $crate::ids::InvalidId)
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Display::fmt(&self.0.hyphenated(), f)
            }
        }

        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S>(&self, serializer: S) -> Result<S::Ok, S::Error>
            where
                S: $crate::__private::serde::Serializer,
            {
                serializer.collect_str(self)
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D>(deserializer: D) -> Result<Self, D::Error>
            where
                D: $crate::__private::serde::Deserializer<'de>,
            {
                let text = <::std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                text.parse().map_err($crate::__private::serde::de::Error::custom)
            }
        }
    };
}

/// The error of parsing text that is not an id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a valid id")]
pub struct InvalidId;

#[cfg(test)]
mod tests {
    typed_id!(
        /// An id for the tests.
        ThingId
    );

    #[test]
    fn an_id_round_trips_through_text_and_json() {
        let id = ThingId::new();
        assert_eq!(id.to_string().parse::<ThingId>(), Ok(id));
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, format!("\"{id}\""));
        assert_eq!(serde_json::from_str::<ThingId>(&json).unwrap(), id);
    }

    #[test]
    fn text_that_is_not_an_id_is_refused() {
        assert!("course-42".parse::<ThingId>().is_err());
        assert!(serde_json::from_str::<ThingId>("\"../etc\"").is_err());
    }

    #[test]
    fn later_ids_sort_after_earlier_ones() {
        let first = ThingId::new();
        let second = ThingId::new();
        assert!(first.to_string() < second.to_string());
    }
}
