//! Changing a course's outline: its modules, its lessons' places and slugs, and their order.

use serde::Deserialize;
use shared::ApiError;
use shared::FieldError;
use shared::catalog::{LessonId, LessonOutline, ModuleId, ModuleOutline};

use super::{
    Course, LessonContent, LessonEdit, MAX_LESSONS, MAX_LESSONS_PER_MODULE, NewLesson, Project,
};
use crate::fields::{Slug, set};

/// A module's place in a reordered outline.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModuleOrder {
    pub id: ModuleId,
    pub lessons: Vec<LessonId>,
}

impl Course {
    /// The module with `id`, to change.
    ///
    /// # Errors
    /// 404 when it has none.
    pub fn module_mut(&mut self, id: ModuleId) -> Result<&mut ModuleOutline, ApiError> {
        self.outline
            .modules
            .iter_mut()
            .find(|m| m.id == id)
            .ok_or(ApiError::NotFound)
    }

    /// Records that the lesson `id` is now `slug` and no longer `former`.
    fn rename_lesson(&mut self, id: LessonId, former: &str, slug: &Slug) {
        if former != slug.as_str() {
            self.former_lesson_slugs.insert(former.to_owned(), id);
        }
        self.former_lesson_slugs.remove(slug.as_str());
    }

    /// Forgets the former slugs of the lesson `id` (which is gone).
    fn forget_lesson(&mut self, id: LessonId) {
        self.former_lesson_slugs.retain(|_, lesson| *lesson != id);
    }

    /// Refuses `slug` for a lesson unless no other lesson of the course (than `except`) has it.
    ///
    /// # Errors
    /// 409 when another lesson has it.
    fn ensure_lesson_slug_free(
        &self,
        slug: &Slug,
        except: Option<LessonId>,
    ) -> Result<(), ApiError> {
        if self
            .outline
            .lessons()
            .any(|l| l.slug == slug.as_str() && Some(l.id) != except)
        {
            return Err(ApiError::Conflict(format!(
                "another lesson of this course has the slug `{slug}`"
            )));
        }
        Ok(())
    }

    /// Adds `lesson`, as `id`, at the end of module `module`.
    ///
    /// # Errors
    /// 404 without that module; 409 when another lesson has its slug; 422 when the module or
    /// the course is full.
    pub fn add_lesson(
        &mut self,
        module: ModuleId,
        id: LessonId,
        lesson: &NewLesson,
    ) -> Result<(), ApiError> {
        self.ensure_lesson_slug_free(&lesson.slug, None)?;
        never_a_free_project(lesson.preview, &lesson.content)?;
        if self.outline.total_lessons() >= MAX_LESSONS {
            return Err(ApiError::invalid(
                "outline",
                format!("a course has at most {MAX_LESSONS} lessons"),
            ));
        }
        let module = self.module_mut(module)?;
        if module.lessons.len() >= MAX_LESSONS_PER_MODULE {
            return Err(ApiError::invalid(
                "outline",
                format!("a module has at most {MAX_LESSONS_PER_MODULE} lessons"),
            ));
        }
        module.lessons.push(LessonOutline {
            id,
            slug: lesson.slug.to_string(),
            title: lesson.title.to_string(),
            duration_minutes: lesson.duration.get(),
            preview: lesson.preview,
            project: lesson.content.project.as_ref().map(Project::outline),
        });
        Ok(())
    }

    /// Changes the outline fields of the lesson `id` that `edit` gives, its project mark to
    /// that of `content` (the lesson's item after the edit); a new slug keeps the old one
    /// redirecting.
    ///
    /// # Errors
    /// 404 without that lesson; 409 when another lesson has the new slug; 422 when it would
    /// be a project open as a free preview.
    pub fn edit_lesson(
        &mut self,
        id: LessonId,
        edit: &LessonEdit,
        content: &LessonContent,
    ) -> Result<(), ApiError> {
        let (m, l) = self
            .find_lesson(&id.to_string())
            .ok_or(ApiError::NotFound)?;
        if let Some(slug) = &edit.slug {
            self.ensure_lesson_slug_free(slug, Some(id))?;
            let former = self.outline.modules[m].lessons[l].slug.clone();
            self.rename_lesson(id, &former, slug);
        }
        let lesson = &mut self.outline.modules[m].lessons[l];
        set(
            &mut lesson.slug,
            edit.slug.as_ref().map(ToString::to_string),
        );
        set(
            &mut lesson.title,
            edit.title.as_ref().map(ToString::to_string),
        );
        set(&mut lesson.duration_minutes, edit.duration.map(u32::from));
        set(&mut lesson.preview, edit.preview);
        never_a_free_project(lesson.preview, content)?;
        lesson.project = content.project.as_ref().map(Project::outline);
        Ok(())
    }

    /// Removes the lesson `reference` names; answers its id.
    ///
    /// # Errors
    /// 404 without that lesson.
    pub fn remove_lesson(&mut self, reference: &str) -> Result<LessonId, ApiError> {
        let (m, l) = self.find_lesson(reference).ok_or(ApiError::NotFound)?;
        let removed = self.outline.modules[m].lessons.remove(l);
        self.forget_lesson(removed.id);
        Ok(removed.id)
    }

    /// Removes the module `id` and its lessons; answers their ids.
    ///
    /// # Errors
    /// 404 without that module.
    pub fn remove_module(&mut self, id: ModuleId) -> Result<Vec<LessonId>, ApiError> {
        let at = self
            .outline
            .modules
            .iter()
            .position(|m| m.id == id)
            .ok_or(ApiError::NotFound)?;
        let removed = self.outline.modules.remove(at);
        let ids: Vec<LessonId> = removed.lessons.iter().map(|l| l.id).collect();
        for id in &ids {
            self.forget_lesson(*id);
        }
        Ok(ids)
    }

    /// Puts the modules and lessons in the order of `order`, which must name each of them
    /// exactly once (lessons may move between modules).
    ///
    /// # Errors
    /// 422 when `order` leaves out, repeats or invents a module or lesson, or overfills one.
    pub fn reorder(&mut self, order: Vec<ModuleOrder>) -> Result<(), ApiError> {
        let mut modules = self.outline.modules.clone();
        let mut lessons: Vec<LessonOutline> = modules
            .iter_mut()
            .flat_map(|m| std::mem::take(&mut m.lessons))
            .collect();
        let mut reordered = Vec::with_capacity(order.len());
        let mut errors = Vec::new();
        for (i, wanted) in order.into_iter().enumerate() {
            let Some(at) = modules.iter().position(|m| m.id == wanted.id) else {
                errors.push(FieldError::new(
                    format!("modules[{i}].id"),
                    "is not a module of this course, or is listed twice",
                ));
                continue;
            };
            let mut module = modules.swap_remove(at);
            if wanted.lessons.len() > MAX_LESSONS_PER_MODULE {
                errors.push(FieldError::new(
                    format!("modules[{i}].lessons"),
                    format!("a module has at most {MAX_LESSONS_PER_MODULE} lessons"),
                ));
            }
            for (j, lesson_id) in wanted.lessons.into_iter().enumerate() {
                match lessons.iter().position(|l| l.id == lesson_id) {
                    Some(at) => module.lessons.push(lessons.swap_remove(at)),
                    None => errors.push(FieldError::new(
                        format!("modules[{i}].lessons[{j}]"),
                        "is not a lesson of this course, or is listed twice",
                    )),
                }
            }
            reordered.push(module);
        }
        if !modules.is_empty() {
            errors.push(FieldError::new(
                "modules",
                "must list every module of the course",
            ));
        }
        if !lessons.is_empty() {
            errors.push(FieldError::new(
                "modules",
                "must list every lesson of the course",
            ));
        }
        if !errors.is_empty() {
            return Err(ApiError::Invalid(errors));
        }
        self.outline.modules = reordered;
        Ok(())
    }
}

/// Refuses a project lesson that anyone could read: a project is for enrolled learners.
fn never_a_free_project(preview: bool, content: &LessonContent) -> Result<(), ApiError> {
    if preview && content.project.is_some() {
        return Err(ApiError::invalid(
            "preview",
            "a project lesson is never a free preview",
        ));
    }
    Ok(())
}

#[cfg(test)]
pub(super) mod tests {
    use std::collections::BTreeMap;

    use shared::catalog::{CourseId, Outline};
    use shared::clock::Timestamp;

    use super::*;
    use crate::document::Lifecycle;
    use crate::fields::{Description, Level, Summary, Tags, Title};
    use crate::seo::Seo;

    /// A draft course of two modules and three lessons.
    pub(in crate::courses) fn course() -> Course {
        let lesson = |slug: &str| LessonOutline {
            id: LessonId::new(),
            slug: slug.into(),
            title: slug.into(),
            duration_minutes: 10,
            preview: false,
            project: None,
        };
        Course {
            id: CourseId::new(),
            slug: Slug::parse("backend").unwrap(),
            title: Title::parse("Backend").unwrap(),
            summary: Summary::default(),
            description: Description::default(),
            level: Level::Beginner,
            tags: Tags::default(),
            instructors: vec![],
            lifecycle: Lifecycle::new(Timestamp::from_unix_micros(0)),
            seo: Seo::default(),
            former_lesson_slugs: BTreeMap::new(),
            outline: Outline {
                modules: vec![
                    ModuleOutline {
                        id: ModuleId::new(),
                        title: "One".into(),
                        lessons: vec![lesson("a"), lesson("b")],
                    },
                    ModuleOutline {
                        id: ModuleId::new(),
                        title: "Two".into(),
                        lessons: vec![lesson("c")],
                    },
                ],
            },
        }
    }

    fn order(course: &Course, layout: &[(usize, &[&str])]) -> Vec<ModuleOrder> {
        layout
            .iter()
            .map(|(m, slugs)| ModuleOrder {
                id: course.outline.modules[*m].id,
                lessons: slugs
                    .iter()
                    .map(|s| course.outline.lessons().find(|l| l.slug == *s).unwrap().id)
                    .collect(),
            })
            .collect()
    }

    #[test]
    fn reordering_moves_modules_and_lessons_between_modules() {
        let mut course = course();
        let wanted = order(&course, &[(1, &["c", "a"]), (0, &["b"])]);
        course.reorder(wanted).unwrap();
        let layout: Vec<(String, Vec<String>)> = course
            .outline
            .modules
            .iter()
            .map(|m| {
                (
                    m.title.clone(),
                    m.lessons.iter().map(|l| l.slug.clone()).collect(),
                )
            })
            .collect();
        assert_eq!(
            layout,
            [
                ("Two".to_owned(), vec!["c".to_owned(), "a".to_owned()]),
                ("One".to_owned(), vec!["b".to_owned()])
            ]
        );
    }

    #[test]
    fn a_reorder_that_loses_or_repeats_a_lesson_changes_nothing() {
        let mut course = course();
        let before = course.clone();
        let lost = order(&course, &[(0, &["a"]), (1, &["c"])]);
        assert!(course.reorder(lost).is_err());
        let repeated = order(&course, &[(0, &["a", "b", "a"]), (1, &["c"])]);
        assert!(course.reorder(repeated).is_err());
        let module_twice = order(&course, &[(0, &["a", "b"]), (0, &["c"])]);
        assert!(course.reorder(module_twice).is_err());
        assert_eq!(course, before, "a refused reorder left the outline changed");
    }

    #[test]
    fn a_lesson_is_found_by_id_or_slug() {
        let course = course();
        let b = course.outline.modules[0].lessons[1].id;
        assert_eq!(course.find_lesson("b"), Some((0, 1)));
        assert_eq!(course.find_lesson(&b.to_string()), Some((0, 1)));
        assert_eq!(course.find_lesson("c"), Some((1, 0)));
        assert_eq!(course.find_lesson("zzz"), None);
    }
}
