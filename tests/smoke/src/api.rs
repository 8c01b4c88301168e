//! The API's answers as a client reads them: only the fields the journeys look at, under the
//! names the API gives them (see `functions/*/src` for the full shapes).

use serde::Deserialize;

/// `{items, next_cursor}`: one page of a listing.
#[derive(Debug, Clone, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

// ----- auth ---------------------------------------------------------------------------------

/// An account (`POST /auth/register`, `GET /auth/me`).
#[derive(Debug, Clone, Deserialize)]
pub struct Account {
    pub id: String,
    pub email: String,
    pub role: String,
    pub email_verified: bool,
}

/// What a login or a refresh answers.
#[derive(Debug, Clone, Deserialize)]
pub struct Tokens {
    pub access_token: String,
    pub token_type: String,
    pub expires_in: u64,
    pub refresh_token: String,
}

/// The claims of an access token this suite checks.
#[derive(Debug, Clone, Deserialize)]
pub struct AccessClaims {
    pub sub: String,
    pub role: String,
    pub name: String,
    pub token_use: String,
}

// ----- content ------------------------------------------------------------------------------

/// A course in `GET /courses`.
#[derive(Debug, Clone, Deserialize)]
pub struct CourseCard {
    pub id: String,
    pub slug: String,
    pub tags: Vec<String>,
    /// The course's public URL (on the school's site).
    pub url: String,
}

/// A course's page, `GET /courses/{course}`.
#[derive(Debug, Clone, Deserialize)]
pub struct Course {
    pub id: String,
    pub slug: String,
    pub title: String,
    pub status: String,
    pub outline: Outline,
    pub lesson_count: usize,
    pub canonical_url: String,
    pub json_ld: String,
}

/// A course's modules, in order.
#[derive(Debug, Clone, Deserialize)]
pub struct Outline {
    pub modules: Vec<Module>,
}

impl Outline {
    /// Every lesson, in the order a learner takes them.
    pub fn lessons(&self) -> impl Iterator<Item = &LessonOutline> {
        self.modules.iter().flat_map(|m| m.lessons.iter())
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Module {
    pub id: String,
    pub title: String,
    pub lessons: Vec<LessonOutline>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LessonOutline {
    pub id: String,
    pub slug: String,
    pub preview: bool,
    /// Present when the lesson is a project.
    pub project: Option<ProjectOutline>,
}

/// What a course's outline says of a project lesson.
#[derive(Debug, Clone, Deserialize)]
pub struct ProjectOutline {
    /// `repository`, `deployment` or `repository_and_deployment`.
    pub hand_in: String,
}

/// A lesson's page, `GET /courses/{course}/lessons/{lesson}`.
#[derive(Debug, Clone, Deserialize)]
pub struct Lesson {
    pub id: String,
    pub title: String,
    pub preview: bool,
    pub body_html: String,
    pub course: CourseRef,
    /// Present when the lesson is a project (to its learners and staff).
    pub project: Option<Project>,
}

/// A project lesson's rubric, as its page shows it.
#[derive(Debug, Clone, Deserialize)]
pub struct Project {
    pub rubric: Rubric,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Rubric {
    pub criteria: Vec<Criterion>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Criterion {
    pub title: String,
    pub scoring: Scoring,
}

/// `{"points": 10}` or `"pass_fail"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scoring {
    Points(u32),
    PassFail,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CourseRef {
    pub id: String,
}

/// An article in `GET /articles`.
#[derive(Debug, Clone, Deserialize)]
pub struct ArticleCard {
    pub slug: String,
    pub url: String,
}

/// An article's page, `GET /articles/{article}`.
#[derive(Debug, Clone, Deserialize)]
pub struct Article {
    pub slug: String,
    pub title: String,
    pub body_html: String,
    pub canonical_url: String,
    pub json_ld: String,
}

/// `GET /tags`.
#[derive(Debug, Clone, Deserialize)]
pub struct Tags {
    pub items: Vec<TagCount>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TagCount {
    pub tag: String,
    pub courses: u64,
    pub articles: u64,
}

/// A career path in `GET /paths`.
#[derive(Debug, Clone, Deserialize)]
pub struct PathCard {
    pub slug: String,
}

/// A career path's page, `GET /paths/{path}`.
#[derive(Debug, Clone, Deserialize)]
pub struct CareerPath {
    pub slug: String,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Step {
    pub status: String,
}

// ----- progress -----------------------------------------------------------------------------

/// An enrollment (`POST /me/enrollments`, `GET /me/enrollments`).
#[derive(Debug, Clone, Deserialize)]
pub struct Enrollment {
    pub course_id: String,
    pub status: String,
    pub percent: u8,
    pub completed_lessons: usize,
    pub total_lessons: usize,
    pub completed_at: Option<String>,
    pub certificate_id: Option<String>,
}

/// A learner's record in a course (`GET /me/courses/{course}/progress`, and the answer to
/// completing a lesson).
#[derive(Debug, Clone, Deserialize)]
pub struct Progress {
    pub status: String,
    pub percent: u8,
    pub completed_lesson_ids: Vec<String>,
    pub next_lesson_id: Option<String>,
    pub completed_at: Option<String>,
    pub certificate_id: Option<String>,
}

/// A certificate (`GET /me/certificates`, `GET /certificates/{certificate}`).
#[derive(Debug, Clone, Deserialize)]
pub struct Certificate {
    pub id: String,
    pub status: String,
    pub learner_name: String,
    pub course_id: String,
    pub course_title: String,
    pub projects: Vec<CertifiedProject>,
    pub verification_url: String,
    pub credential: String,
}

/// An approved project a certificate names.
#[derive(Debug, Clone, Deserialize)]
pub struct CertifiedProject {
    pub lesson_id: String,
    pub title: String,
}

/// The claims of a certificate's signed credential.
#[derive(Debug, Clone, Deserialize)]
pub struct CredentialClaims {
    pub jti: String,
    pub learner_name: String,
    pub course_id: String,
    pub course_title: String,
    pub projects: Vec<CertifiedProject>,
    pub verification_url: String,
    pub token_use: String,
}

/// An attempt at a project (the learner's `…/projects/{lesson}/attempts`, the staff's
/// `/courses/{course}/attempts`).
#[derive(Debug, Clone, Deserialize)]
pub struct Attempt {
    pub id: String,
    pub number: u32,
    pub course_id: String,
    pub lesson_id: String,
    pub learner_id: String,
    pub repository_url: Option<String>,
    pub deployment_url: Option<String>,
    pub status: String,
    pub claim: Option<Claim>,
    pub review: Option<Review>,
}

/// Who holds an attempt for review.
#[derive(Debug, Clone, Deserialize)]
pub struct Claim {
    pub reviewer_id: String,
}

/// An attempt's review.
#[derive(Debug, Clone, Deserialize)]
pub struct Review {
    pub outcome: String,
    pub points: u32,
    pub max_points: u32,
    pub scores: Vec<serde_json::Value>,
}

/// One of the learner's notifications, `GET /me/notifications`.
#[derive(Debug, Clone, Deserialize)]
pub struct Notification {
    pub id: String,
    pub kind: String,
    pub attempt_id: Option<String>,
    pub outcome: Option<String>,
    pub read: bool,
}

/// `GET|PUT /me/portfolio`.
#[derive(Debug, Clone, Deserialize)]
pub struct PortfolioSettings {
    pub public: bool,
    pub url: Option<String>,
}

/// A public portfolio, `GET /portfolios/{portfolio}`.
#[derive(Debug, Clone, Deserialize)]
pub struct Portfolio {
    pub learner_name: String,
    pub projects: Vec<PortfolioProject>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PortfolioProject {
    pub course_id: String,
    pub lesson_id: String,
    pub repository_url: Option<String>,
}
