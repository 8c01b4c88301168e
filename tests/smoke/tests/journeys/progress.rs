//! progress: a fresh learner takes the first published course from enrollment to a certificate
//! anyone can verify, leaves it and comes back to find everything kept.

use jsonwebtoken::{Algorithm, Validation};
use serde_json::json;
use smoke_tests::{
    Api, Certificate, CredentialClaims, Enrollment, Learner, Page, Progress, Reply, first_course,
    published_keys,
};

/// The JOSE type of a certificate's credential.
const CREDENTIAL_TYPE: &str = "certificate+jwt";

const LEARNER_NAME: &str = "Smoke Graduate";

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

    async fn complete(&self, lesson_id: &str) -> Progress {
        let path = format!(
            "/me/courses/{}/lessons/{lesson_id}/completion",
            self.course_id
        );
        let reply = self.api.put(&path).bearer(self.token).send().await;
        reply.assert_status(200).json()
    }

    async fn progress(&self) -> Progress {
        let path = format!("/me/courses/{}/progress", self.course_id);
        let reply = self.api.get(&path).bearer(self.token).send().await;
        reply.assert_status(200).json()
    }

    async fn enrollments(&self) -> Vec<Enrollment> {
        let reply = self
            .api
            .get("/me/enrollments")
            .bearer(self.token)
            .send()
            .await;
        reply.assert_status(200).json::<Page<Enrollment>>().items
    }

    async fn certificates(&self) -> Vec<Certificate> {
        let reply = self
            .api
            .get("/me/certificates")
            .bearer(self.token)
            .send()
            .await;
        reply.assert_status(200).json::<Page<Certificate>>().items
    }
}

#[tokio::test]
#[ignore = "needs SMOKE_BASE_URL: a deployed or local stack"]
async fn a_new_learner_completes_the_first_course_and_earns_one_verifiable_certificate() {
    let api = Api::from_env();
    Learner::assert_verifiable(&api);
    let learner = Learner::register(&api, LEARNER_NAME).await;
    let (card, course) = first_course(&api).await;
    let lessons: Vec<_> = course.outline.lessons().collect();
    let me = Learning {
        api: &api,
        token: learner.access_token(),
        course_id: &course.id,
    };

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

    // Complete every lesson, in the outline's order.
    let mut completed = None;
    for (done, lesson) in lessons.iter().enumerate() {
        let now = me.complete(&lesson.id).await;
        assert_eq!(
            now.completed_lesson_ids.len(),
            done + 1,
            "completed lessons after completing {}",
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

    // Exactly one certificate, even when the last lesson is completed again.
    let last = lessons.last().expect("a published course has lessons");
    let again = me.complete(&last.id).await;
    assert_eq!(again.certificate_id.as_ref(), Some(&certificate_id));
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
