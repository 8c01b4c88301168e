//! A course's own workflows: its modules and lessons (each lesson's body lives in an item of
//! its own, written in the same request as the course), and reading a lesson, which only the
//! course's editors and enrolled learners may do unless it is a preview.

use shared::ApiError;
use shared::catalog::{LessonId, ModuleId, ModuleOutline};
use shared::dynamo::DbError;
use shared::token::AuthUser;

use super::{Presented, Service};
use crate::courses::{Course, CourseView, LessonEdit, LessonView, MAX_MODULES, NewLesson};
use crate::fields::{Title, set};
use crate::store::{LessonChange, Read, StoredRead};
use crate::web::Precondition;

/// What the URL of a part of a course (a lesson, a module) answers.
#[derive(Debug)]
pub enum Part<V> {
    /// The part, and the version of its course.
    Here { view: V, version: u64 },
    /// It moved: its URL path under its course's (and its own) current slugs.
    Moved(String),
}

/// What a lesson's URL answers.
pub type LessonPage = Part<Box<LessonView>>;

/// A module of a course, as `GET /courses/{course}/modules/{module}` shows it: its title and
/// its lessons' places in the outline.
#[derive(Debug, serde::Serialize)]
pub struct ModuleView {
    pub course_id: shared::catalog::CourseId,
    #[serde(flatten)]
    pub module: ModuleOutline,
}

impl Presented for Course {
    async fn present(
        self,
        service: &Service,
        _caller: Option<&AuthUser>,
    ) -> Result<CourseView, DbError> {
        Ok(self.view(service.site()))
    }
}

impl Service {
    /// The stored page of the course `reference` names; see [`crate::pages`].
    ///
    /// # Errors
    /// When DynamoDB fails.
    pub async fn course_page(&self, reference: &str) -> Result<StoredRead, ApiError> {
        Ok(self.store.course_page(reference).await?)
    }

    /// Adds an empty module at the end of the course's outline; answers the course and the
    /// new module's id.
    ///
    /// # Errors
    /// As [`Service::edit`]; 422 when the course has as many modules as it may.
    pub async fn add_module(
        &self,
        caller: &AuthUser,
        course: &str,
        precondition: &Precondition,
        title: Title,
    ) -> Result<(Course, ModuleId), ApiError> {
        let id = ModuleId::new();
        let course = self
            .edit::<Course>(caller, course, precondition, false, |course| {
                if course.outline.modules.len() >= MAX_MODULES {
                    return Err(ApiError::invalid(
                        "outline",
                        format!("a course has at most {MAX_MODULES} modules"),
                    ));
                }
                course.outline.modules.push(ModuleOutline {
                    id,
                    title: title.to_string(),
                    lessons: Vec::new(),
                });
                Ok(Vec::new())
            })
            .await?;
        Ok((course, id))
    }

    /// Removes a module and its lessons, their items included.
    ///
    /// # Errors
    /// As [`Service::edit`]; 404 without that module.
    pub async fn delete_module(
        &self,
        caller: &AuthUser,
        course: &str,
        precondition: &Precondition,
        module: ModuleId,
    ) -> Result<Course, ApiError> {
        self.edit::<Course>(caller, course, precondition, true, |course| {
            let removed = course.remove_module(module)?;
            Ok(removed
                .into_iter()
                .map(|lesson| LessonChange::Delete {
                    course: course.id,
                    lesson,
                })
                .collect())
        })
        .await
    }

    /// Adds a lesson at the end of a module; answers the course and the lesson's page.
    ///
    /// # Errors
    /// As [`Service::edit`]; 404 without that module; 409 when another lesson of the course
    /// has the slug; 422 when the lesson or the module is not acceptable.
    pub async fn add_lesson(
        &self,
        caller: &AuthUser,
        course: &str,
        module: ModuleId,
        precondition: &Precondition,
        lesson: NewLesson,
    ) -> Result<(Course, LessonView), ApiError> {
        lesson.content.check()?;
        let id = LessonId::new();
        let content = lesson.content.clone();
        let course = self
            .edit::<Course>(caller, course, precondition, false, |course| {
                course.add_lesson(module, id, &lesson)?;
                Ok(vec![LessonChange::Put {
                    course: course.id,
                    lesson: id,
                    content,
                }])
            })
            .await?;
        let view = LessonView::new(&course, id, lesson.content)?;
        Ok((course, view))
    }

    /// Changes the fields of a lesson `edit` gives; answers the course and the lesson's page.
    ///
    /// # Errors
    /// As [`Service::edit`]; 404 without that lesson; 409 when another lesson has the new
    /// slug; 422 when the lesson would not be acceptable.
    pub async fn update_lesson(
        &self,
        caller: &AuthUser,
        course: &str,
        lesson: &str,
        precondition: &Precondition,
        edit: LessonEdit,
    ) -> Result<(Course, LessonView), ApiError> {
        let before: Course = self
            .find_editable(course, caller, precondition, true)
            .await?;
        let id = before.lesson(lesson).ok_or(ApiError::NotFound)?.id;
        // Read after the course: a change to the lesson since then changed the course's
        // version too, and the write is conditioned on the version read above.
        let mut content = self
            .store
            .lesson(before.id, id)
            .await?
            .ok_or(ApiError::NotFound)?
            .content;
        set(&mut content.body, edit.body.clone());
        set(&mut content.video_url, edit.video_url.clone());
        set(&mut content.links, edit.links.clone());
        set(&mut content.project, edit.project.clone());
        content.check()?;
        let mut after = before.clone();
        after.edit_lesson(id, &edit, &content)?;
        let change = LessonChange::Put {
            course: after.id,
            lesson: id,
            content: content.clone(),
        };
        let course = self
            .commit(&before, after, vec![change], precondition)
            .await?;
        let view = LessonView::new(&course, id, content)?;
        Ok((course, view))
    }

    /// Removes a lesson, its item included.
    ///
    /// # Errors
    /// As [`Service::edit`]; 404 without that lesson.
    pub async fn delete_lesson(
        &self,
        caller: &AuthUser,
        course: &str,
        lesson: &str,
        precondition: &Precondition,
    ) -> Result<Course, ApiError> {
        self.edit::<Course>(caller, course, precondition, true, |course| {
            let removed = course.remove_lesson(lesson)?;
            Ok(vec![LessonChange::Delete {
                course: course.id,
                lesson: removed,
            }])
        })
        .await
    }

    /// The lesson `lesson` (an id, its slug, or a slug it had) of the course `course` names,
    /// as `caller` may read it. A course or lesson named by a slug it no longer has answers
    /// where it is now, built from the slugs it has (never from the request).
    ///
    /// # Errors
    /// 404 when the caller may not see the course or it has no such lesson; 401 without a
    /// token and 403 without an enrollment for a lesson that is not a preview.
    pub async fn lesson(
        &self,
        caller: Option<&AuthUser>,
        course: &str,
        lesson: &str,
    ) -> Result<LessonPage, ApiError> {
        let found = self
            .find_visible::<Course>(course, caller, Read::Fast)
            .await?;
        let course = found.doc;
        let Some(outline) = course.lesson(lesson) else {
            let renamed = course.renamed_lesson(lesson).ok_or(ApiError::NotFound)?;
            return Ok(Part::Moved(course.lesson_path(renamed)));
        };
        if found.moved {
            return Ok(Part::Moved(course.lesson_path(outline)));
        }
        let (id, needs_enrollment) = (outline.id, course.needs_enrollment(outline, caller));
        let (item, enrolled) = match caller.filter(|_| needs_enrollment) {
            None if needs_enrollment => return Err(ApiError::Unauthenticated),
            None => (self.store.lesson(course.id, id).await?, true),
            Some(learner) => tokio::try_join!(
                self.store.lesson(course.id, id),
                self.store.is_enrolled(learner.id, course.id),
            )?,
        };
        if !enrolled {
            return Err(ApiError::Forbidden);
        }
        let item = item.ok_or_else(|| {
            ApiError::Unexpected(anyhow::anyhow!(
                "lesson {id} of course {} has no item",
                course.id
            ))
        })?;
        Ok(Part::Here {
            view: Box::new(LessonView::new(&course, id, item.content)?),
            version: course.lifecycle.version,
        })
    }

    /// A module of the course `course` (its id or slug), for whoever may see the course.
    ///
    /// # Errors
    /// 404 when the course is not visible to `caller` or has no such module.
    pub async fn module(
        &self,
        caller: Option<&AuthUser>,
        course: &str,
        module: ModuleId,
    ) -> Result<Part<ModuleView>, ApiError> {
        let found = self
            .find_visible::<Course>(course, caller, Read::Fast)
            .await?;
        let course = found.doc;
        let outline = course
            .outline
            .modules
            .iter()
            .find(|m| m.id == module)
            .ok_or(ApiError::NotFound)?;
        if found.moved {
            return Ok(Part::Moved(course.module_path(module)));
        }
        Ok(Part::Here {
            view: ModuleView {
                course_id: course.id,
                module: outline.clone(),
            },
            version: course.lifecycle.version,
        })
    }
}
