//! Who a request acts for: user ids and roles.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

crate::typed_id!(
    /// A school account: learner, instructor or admin.
    UserId
);

/// What an account may do. Ordered by power: a check for `Instructor` also admits `Admin`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Learner,
    Instructor,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Learner => "learner",
            Self::Instructor => "instructor",
            Self::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of parsing text that is not a role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("must be one of learner, instructor, admin")]
pub struct InvalidRole;

impl FromStr for Role {
    type Err = InvalidRole;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "learner" => Ok(Self::Learner),
            "instructor" => Ok(Self::Instructor),
            "admin" => Ok(Self::Admin),
            _ => Err(InvalidRole),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered_by_power() {
        assert!(Role::Admin > Role::Instructor && Role::Instructor > Role::Learner);
    }

    #[test]
    fn roles_round_trip_through_text() {
        for role in [Role::Learner, Role::Instructor, Role::Admin] {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
            assert_eq!(serde_json::to_string(&role).unwrap(), format!("\"{role}\""));
        }
        assert!("root".parse::<Role>().is_err());
    }
}
