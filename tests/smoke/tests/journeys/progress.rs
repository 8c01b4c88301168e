//! progress: a fresh learner takes the first published course from enrollment to a certificate
//! anyone can verify — its lessons by marking them completed, its projects by handing them in
//! for the smoke admin to review — leaves it and comes back to find everything kept; and a
//! learner's approved project reaches their notifications and their public portfolio.

use jsonwebtoken::{Algorithm, Validation};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use smoke_tests::{
    Account, Api, Attempt, Certificate, CredentialClaims, Enrollment, Learner, Lesson,
    LessonOutline, Notification, Page, Portfolio, PortfolioSettings, Progress, Reply, Scoring,
    first_course, published_keys,
};

/// The JOSE type of a certificate's credential.
const CREDENTIAL_TYPE: &str = "certificate+jwt";

const LEARNER_NAME: &str = "Smoke Graduate";

/// Most pages of a review queue read while looking for one attempt (an environment others use
/// may have attempts waiting from before).
const MAX_QUEUE_PAGES: usize = 50;

/// A learner's calls about one course.
struct Learning<'a> {
    api: &'a Api,
    token: &'a str,
    course_id: &'a str,
}

impl Learning<'_> {
    async fn enroll(&self) -> Reply {
        self.api
            .post("/me/enrollments")
            .bearer(self.token)
            .json(&json!({"course_id": self.course_id}))
            .send()
            .await
    }

    async fn completion(&self, lesson_id: &str) -> Reply {
        let path = format!(
            "/me/courses/{}/lessons/{lesson_id}/completion",
            self.course_id
        );
        self.api.put(&path).bearer(self.token).send().await
    }

    async fn complete(&self, lesson_id: &str) -> Progress {
        self.completion(lesson_id).await.assert_status(200).json()
    }

    async fn progress(&self) -> Progress {
        let path = format!("/me/courses/{}/progress", self.course_id);
        let reply = self.api.get(&path).bearer(self.token).send().await;
        reply.assert_status(200).json()
    }

    /// The first page of the learner's listing at `path`.
    async fn items<T: DeserializeOwned>(&self, path: &str) -> Vec<T> {
        let reply = self.api.get(path).bearer(self.token).send().await;
        reply.assert_status(200).json::<Page<T>>().items
    }

    async fn enrollments(&self) -> Vec<Enrollment> {
        self.items("/me/enrollments").await
    }

    async fn certificates(&self) -> Vec<Certificate> {
        self.items("/me/certificates").await
    }

    /// The lesson's page, as its enrolled learner reads it (a project's shows its rubric).
    async fn lesson(&self, lesson_id: &str) -> Lesson {
        let path = format!("/courses/{}/lessons/{lesson_id}", self.course_id);
        let reply = self.api.get(&path).bearer(self.token).send().await;
        reply.assert_status(200).json()
    }

    fn attempts_path(&self, lesson_id: &str) -> String {
        format!(
            "/me/courses/{}/projects/{lesson_id}/attempts",
            self.course_id
        )
    }

    /// Hands in links to the work, as the project's `hand_in` asks for them.
    async fn hand_in(&self, lesson: &LessonOutline) -> Reply {
        let project = lesson
            .project
            .as_ref()
            .unwrap_or_else(|| panic!("{} is not a project", lesson.slug));
        let mut body = json!({"notes": "Handed in by the smoke suite."});
        if project.hand_in.contains("repository") {
            body["repository_url"] = json!(format!("https://github.com/smoke/{}", lesson.slug));
        }
        if project.hand_in.contains("deployment") {
            body["deployment_url"] = json!(format!("https://{}.smoke.example.org/", lesson.slug));
        }
        let path = self.attempts_path(&lesson.id);
        self.api
            .post(&path)
            .bearer(self.token)
            .json(&body)
            .send()
            .await
    }

    async fn attempts(&self, lesson_id: &str) -> Vec<Attempt> {
        self.items(&self.attempts_path(lesson_id)).await
    }

    async fn notifications(&self) -> Vec<Notification> {
        self.items("/me/notifications").await
    }

    async fn make_portfolio_public(&self, public: bool) -> PortfolioSettings {
        let reply = self
            .api
            .put("/me/portfolio")
            .bearer(self.token)
            .json(&json!({"public": public}))
            .send()
            .await;
        let settings: PortfolioSettings = reply.assert_status(200).json();
        assert_eq!(settings.public, public, "the portfolio's setting");
        settings
    }

    /// Hands the project in and has `staff` approve it with full marks.
    async fn pass_project(&self, staff: &Staff<'_>, lesson: &LessonOutline) -> Attempt {
        let rubric = self.lesson(&lesson.id).await;
        let attempt: Attempt = self.hand_in(lesson).await.assert_status(201).json();
        staff.approve(&attempt.id, &rubric).await
    }
}

/// The calls of a course's staff: the smoke admin, who reviews every course's projects.
struct Staff<'a> {
    api: &'a Api,
    token: String,
    course_id: &'a str,
}

impl<'a> Staff<'a> {
    /// The smoke admin, on the course `course_id`.
    async fn admin(api: &'a Api, course_id: &'a str) -> Self {
        let tokens = api
            .admin_login()
            .await
            .expect("reviewing projects needs the smoke admin (SMOKE_ADMIN_EMAIL)");
        Self {
            api,
            token: tokens.access_token,
            course_id,
        }
    }

    fn attempt_path(&self, attempt_id: &str) -> String {
        format!("/courses/{}/attempts/{attempt_id}", self.course_id)
    }

    async fn claim(&self, attempt_id: &str) -> Reply {
        let path = format!("{}/claim", self.attempt_path(attempt_id));
        self.api.post(&path).bearer(&self.token).send().await
    }

    /// Reviews the attempt against `etag` (`None`: no `If-Match`).
    async fn review(&self, attempt_id: &str, etag: Option<&str>, review: &Value) -> Reply {
        let path = format!("{}/review", self.attempt_path(attempt_id));
        let mut call = self.api.post(&path).bearer(&self.token).json(review);
        if let Some(etag) = etag {
            call = call.header("if-match", etag);
        }
        call.send().await
    }

    /// Claims the attempt and approves it with every criterion's full marks.
    async fn approve(&self, attempt_id: &str, lesson: &Lesson) -> Attempt {
        let claimed = self.claim(attempt_id).await.assert_status(200);
        let review = full_marks(lesson);
        let reviewed = self
            .review(attempt_id, Some(&claimed.etag()), &review)
            .await;
        let attempt: Attempt = reviewed.assert_status(200).json();
        assert_eq!(attempt.status, "approved", "{}'s attempt", lesson.title);
        attempt
    }

    /// Every page of the course's review queue (of one project) until `attempt_id` is found.
    async fn queued(&self, project_id: &str, attempt_id: &str) -> Option<Attempt> {
        let mut cursor: Option<String> = None;
        for _ in 0..MAX_QUEUE_PAGES {
            let mut path = format!(
                "/courses/{}/attempts?project={project_id}&limit=100",
                self.course_id
            );
            if let Some(cursor) = &cursor {
                path.push_str(&format!("&cursor={cursor}"));
            }
            let reply = self.api.get(&path).bearer(&self.token).send().await;
            let page: Page<Attempt> = reply.assert_status(200).json();
            if let Some(found) = page.items.into_iter().find(|a| a.id == attempt_id) {
                return Some(found);
            }
            cursor = Some(page.next_cursor?);
        }
        None
    }
}

/// An approving review of the project on `lesson`'s page: each criterion's maximum, or passed.
fn full_marks(lesson: &Lesson) -> Value {
    let project = lesson
        .project
        .as_ref()
        .unwrap_or_else(|| panic!("{}'s page shows no project", lesson.title));
    let scores: Vec<Value> = project
        .rubric
        .criteria
        .iter()
        .map(|criterion| match criterion.scoring {
            Scoring::Points(points) => {
                json!({"points": points, "comment": format!("{}: all there.", criterion.title)})
            }
            Scoring::PassFail => {
                json!({"passed": true, "comment": format!("{}: passes.", criterion.title)})
            }
        })
        .collect();
    json!({"outcome": "approved", "scores": scores, "comment": "Approved by the smoke suite."})
}

#[tokio::test]
#[ignore = "needs SMOKE_BASE_URL: a deployed or local stack"]
async fn a_new_learner_completes_the_first_course_and_earns_one_verifiable_certificate() {
    let api = Api::from_env();
    Learner::assert_verifiable(&api);
    let learner = Learner::register(&api, LEARNER_NAME).await;
    let (card, course) = first_course(&api).await;
    let lessons: Vec<_> = course.outline.lessons().collect();
    let projects: Vec<&str> = lessons
        .iter()
        .filter(|lesson| lesson.project.is_some())
        .map(|lesson| lesson.id.as_str())
        .collect();
    let me = Learning {
        api: &api,
        token: learner.access_token(),
        course_id: &course.id,
    };
    let staff = Staff::admin(&api, &course.id).await;

    // A lesson past the previews is for enrolled learners only (content reads the enrollment
    // that progress writes).
    let gated = lessons
        .iter()
        .find(|lesson| !lesson.preview)
        .map(|lesson| format!("/courses/{}/lessons/{}", card.slug, lesson.slug));
    if let Some(gated) = &gated {
        let refused = api.get(gated).bearer(me.token).send().await;
        refused.assert_problem(403, "forbidden");
    }

    // Enroll.
    let enrolled: Enrollment = me.enroll().await.assert_status(201).json();
    assert_eq!(
        (enrolled.status.as_str(), enrolled.percent),
        ("active", 0),
        "a new enrollment"
    );
    assert_eq!(enrolled.total_lessons, lessons.len());
    if let Some(gated) = &gated {
        api.get(gated)
            .bearer(me.token)
            .send()
            .await
            .assert_status(200);
    }

    // Take every lesson, in the outline's order: a lesson by marking it completed, a project by
    // handing it in and having it approved (the completion route refuses a project).
    let mut completed = None;
    for (done, lesson) in lessons.iter().enumerate() {
        let now = if lesson.project.is_some() {
            me.completion(&lesson.id)
                .await
                .assert_problem(409, "conflict");
            me.pass_project(&staff, lesson).await;
            me.progress().await
        } else {
            me.complete(&lesson.id).await
        };
        assert_eq!(
            now.completed_lesson_ids.len(),
            done + 1,
            "completed lessons after taking {}",
            lesson.slug
        );
        assert_eq!(
            now.next_lesson_id.as_deref(),
            lessons.get(done + 1).map(|next| next.id.as_str()),
            "the lesson to resume after {}",
            lesson.slug
        );
        completed = Some(now);
    }
    let completed = completed.expect("a published course has lessons");
    assert_eq!(completed.percent, 100);
    assert!(
        completed.completed_at.is_some(),
        "a completed course has no completed_at"
    );
    let certificate_id = completed
        .certificate_id
        .clone()
        .expect("completing the course issued no certificate");

    // Exactly one certificate, even when a lesson is completed again; an approved project is
    // not handed in again.
    if let Some(lesson) = lessons.iter().rev().find(|l| l.project.is_none()) {
        let again = me.complete(&lesson.id).await;
        assert_eq!(again.certificate_id.as_ref(), Some(&certificate_id));
    }
    if let Some(project) = lessons.iter().find(|l| l.project.is_some()) {
        me.hand_in(project).await.assert_problem(409, "conflict");
    }
    let ids: Vec<String> = me.certificates().await.into_iter().map(|c| c.id).collect();
    assert_eq!(ids, [certificate_id.as_str()], "the learner's certificates");

    // The public verification page: no token, cacheable.
    let public_path = format!("/certificates/{certificate_id}");
    let page = api.get(&public_path).send().await.assert_status(200);
    let certificate: Certificate = page.json();
    assert_eq!(certificate.status, "valid");
    assert_eq!(certificate.learner_name, LEARNER_NAME);
    assert_eq!(certificate.course_id, course.id);
    assert_eq!(certificate.course_title, course.title);
    let certified: Vec<&str> = certificate
        .projects
        .iter()
        .map(|p| p.lesson_id.as_str())
        .collect();
    assert_eq!(
        certified, projects,
        "the certificate names the approved projects, in outline order"
    );
    assert!(
        certificate.verification_url.ends_with(&public_path),
        "the verification URL {} is not the certificate's",
        certificate.verification_url
    );
    let revalidated = api.get(&public_path).header("if-none-match", &page.etag());
    revalidated.send().await.assert_status(304);

    // The credential verifies offline against the published keys, issued by the school whose
    // site the verification URL is on.
    let school = certificate.verification_url.trim_end_matches(&public_path);
    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_exp = false;
    validation.set_required_spec_claims(&["iss"]);
    validation.set_issuer(&[school]);
    let claims: CredentialClaims = smoke_tests::verify(
        &certificate.credential,
        CREDENTIAL_TYPE,
        &published_keys(&api).await,
        &validation,
    );
    assert_eq!(claims.jti, certificate_id);
    assert_eq!(claims.token_use, "certificate");
    assert_eq!(claims.learner_name, LEARNER_NAME);
    assert_eq!(claims.course_id, course.id);
    assert_eq!(claims.course_title, course.title);
    let claimed: Vec<&str> = claims
        .projects
        .iter()
        .map(|p| p.lesson_id.as_str())
        .collect();
    assert_eq!(claimed, projects, "the credential's projects");
    assert_eq!(claims.verification_url, certificate.verification_url);

    // Unenrol: the record stays, with its history.
    let unenroll = api.delete(&format!("/me/enrollments/{}", course.id));
    unenroll.bearer(me.token).send().await.assert_status(204);
    let left = me.progress().await;
    assert_eq!(left.status, "unenrolled");
    assert_eq!(
        left.completed_lesson_ids, completed.completed_lesson_ids,
        "unenrolling lost completions"
    );
    assert!(
        me.enrollments()
            .await
            .iter()
            .all(|e| e.course_id != course.id),
        "an unenrolled course is still listed"
    );

    // Enroll again: the same record resumes, completed, with its one certificate.
    let back: Enrollment = me.enroll().await.assert_status(200).json();
    assert_eq!((back.status.as_str(), back.percent), ("active", 100));
    assert_eq!(back.completed_lessons, lessons.len());
    assert_eq!(
        back.completed_at, completed.completed_at,
        "completed_at changed"
    );
    assert_eq!(back.certificate_id.as_ref(), Some(&certificate_id));
    assert_eq!(
        me.certificates().await.len(),
        1,
        "enrolling again issued another certificate"
    );
}

#[tokio::test]
#[ignore = "needs SMOKE_BASE_URL: a deployed or local stack"]
async fn a_reviewed_project_reaches_the_learners_notifications_and_public_portfolio() {
    let api = Api::from_env();
    Learner::assert_verifiable(&api);
    let learner = Learner::register(&api, "Smoke Builder").await;
    let (_, course) = first_course(&api).await;
    let mut projects = course.outline.lessons().filter(|l| l.project.is_some());
    let project = projects.next().unwrap_or_else(|| {
        panic!(
            "the first course ({}) has no project lesson: the projects journey hands one in",
            course.slug
        )
    });
    let me = Learning {
        api: &api,
        token: learner.access_token(),
        course_id: &course.id,
    };
    let staff = Staff::admin(&api, &course.id).await;
    me.enroll().await.assert_status(201);

    // Hand in: the attempt waits, once.
    let handed_in = me.hand_in(project).await.assert_status(201);
    assert!(
        handed_in.header("etag").is_some(),
        "a new attempt has no ETag"
    );
    let attempt: Attempt = handed_in.json();
    assert_eq!(
        (attempt.status.as_str(), attempt.number),
        ("waiting", 1),
        "a first attempt"
    );
    assert_eq!(
        (attempt.course_id.as_str(), attempt.lesson_id.as_str()),
        (course.id.as_str(), project.id.as_str())
    );
    assert_eq!(attempt.learner_id, learner.account.id);
    me.hand_in(project).await.assert_problem(409, "conflict");
    let mine: Vec<String> = me
        .attempts(&project.id)
        .await
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(
        mine,
        std::slice::from_ref(&attempt.id),
        "the learner's attempts"
    );

    // The review queue is the staff's: the learner is refused it, the admin finds the attempt.
    let queue = format!("/courses/{}/attempts", course.id);
    let refused = api.get(&queue).bearer(me.token).send().await;
    refused.assert_problem(403, "forbidden");
    let queued = staff.queued(&project.id, &attempt.id).await;
    assert!(
        queued.is_some(),
        "the attempt {} is not in the review queue",
        attempt.id
    );
    let shown = api
        .get(&staff.attempt_path(&attempt.id))
        .bearer(&staff.token);
    let shown = shown.send().await.assert_status(200);
    assert!(
        shown.header("etag").is_some(),
        "an attempt is shown without its ETag"
    );

    // Claimed, then reviewed: without If-Match, against another version, then approved.
    let claimed = staff.claim(&attempt.id).await.assert_status(200);
    let admin: Account = api
        .get("/auth/me")
        .bearer(&staff.token)
        .send()
        .await
        .assert_status(200)
        .json();
    let claim = claimed.json::<Attempt>().claim;
    assert_eq!(
        claim.map(|c| c.reviewer_id),
        Some(admin.id),
        "the claim is the admin's"
    );
    let rubric = me.lesson(&project.id).await;
    let review = full_marks(&rubric);
    let unconditional = staff.review(&attempt.id, None, &review).await;
    unconditional.assert_problem(428, "precondition-required");
    let stale = staff
        .review(&attempt.id, Some("\"not-the-version\""), &review)
        .await;
    stale.assert_problem(412, "stale-version");
    let reviewed = staff
        .review(&attempt.id, Some(&claimed.etag()), &review)
        .await;
    let approved: Attempt = reviewed.assert_status(200).json();
    assert_eq!(approved.status, "approved");
    let verdict = approved.review.expect("an approved attempt has its review");
    assert_eq!(verdict.outcome, "approved");
    assert_eq!(
        verdict.points, verdict.max_points,
        "full marks on every criterion"
    );
    assert_eq!(
        verdict.scores.len(),
        rubric.project.map_or(0, |p| p.rubric.criteria.len())
    );
    let progress = me.progress().await;
    assert!(
        progress.completed_lesson_ids.contains(&project.id),
        "approving the project did not complete its lesson"
    );

    // The learner is told, and marks it read.
    let notifications = me.notifications().await;
    let told = notifications
        .iter()
        .find(|n| n.attempt_id.as_deref() == Some(attempt.id.as_str()))
        .unwrap_or_else(|| panic!("no notification of the review: {notifications:?}"));
    assert_eq!(
        (told.kind.as_str(), told.outcome.as_deref(), told.read),
        ("reviewed", Some("approved"), false)
    );
    let read = api.post(&format!("/me/notifications/{}/read", told.id));
    read.bearer(me.token).send().await.assert_status(204);
    assert!(
        me.notifications()
            .await
            .iter()
            .any(|n| n.id == told.id && n.read),
        "the notification is not read"
    );

    // A second project, handed in and withdrawn: once.
    if let Some(second) = projects.next() {
        let waiting: Attempt = me.hand_in(second).await.assert_status(201).json();
        let path = format!("{}/{}", me.attempts_path(&second.id), waiting.id);
        let withdrawn: Attempt = api
            .delete(&path)
            .bearer(me.token)
            .send()
            .await
            .assert_status(200)
            .json();
        assert_eq!(withdrawn.status, "withdrawn");
        let again = api.delete(&path).bearer(me.token).send().await;
        again.assert_problem(409, "conflict");
    }

    // The portfolio: private by default; public, it shows the approved project to anyone.
    let settings: PortfolioSettings = api
        .get("/me/portfolio")
        .bearer(me.token)
        .send()
        .await
        .assert_status(200)
        .json();
    assert_eq!(
        (settings.public, settings.url),
        (false, None),
        "a portfolio is private by default"
    );
    let url = me
        .make_portfolio_public(true)
        .await
        .url
        .expect("a public portfolio has a URL");
    let id = url.rsplit('/').next().expect("a URL has a last segment");
    let public_path = format!("/portfolios/{id}");
    assert!(
        url.ends_with(&public_path),
        "the portfolio's URL {url} is not /portfolios/<id>"
    );
    let page = api.get(&public_path).send().await.assert_status(200);
    let portfolio: Portfolio = page.json();
    assert_eq!(portfolio.learner_name, "Smoke Builder");
    let shown: Vec<(&str, &str)> = portfolio
        .projects
        .iter()
        .map(|p| (p.course_id.as_str(), p.lesson_id.as_str()))
        .collect();
    assert_eq!(
        shown,
        [(course.id.as_str(), project.id.as_str())],
        "the portfolio shows the approved project, and only it"
    );
    assert_eq!(
        portfolio.projects[0].repository_url, approved.repository_url,
        "the portfolio links the work handed in"
    );
    let cache_control = page.header("cache-control").unwrap_or_default();
    assert!(
        cache_control.contains("no-cache"),
        "a portfolio is revalidated every time: Cache-Control {cache_control:?}"
    );
    let revalidated = api.get(&public_path).header("if-none-match", &page.etag());
    revalidated.send().await.assert_status(304);

    // Private again: the old URL is gone at once.
    let private = me.make_portfolio_public(false).await;
    assert_eq!(private.url, None);
    let gone = api.get(&public_path).send().await;
    gone.assert_problem(404, "not-found");
}
