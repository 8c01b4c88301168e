// The learner's, the instructor's and the admin's journeys through the typed client, against
// a running stack (`./dev test` runs them against the deploy rehearsal's): every call is
// checked by the compiler against infra/openapi.yaml, and every answer here against what the
// journey needs. Environment: SMOKE_BASE_URL, and the admin SMOKE_ADMIN_EMAIL and
// SMOKE_ADMIN_PASSWORD (verifying learners' addresses, promoting an instructor, reviewing).

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { test } from "node:test";

import {
  type Schemas,
  type Skillpath,
  type Tokens,
  fieldErrors,
  signIn,
  skillpath,
} from "../src/index.js";

function setting(name: string): string {
  const value = process.env[name];
  assert.ok(value, `${name} must be set: the stack's URL and its admin (see README)`);
  return value;
}

const base = setting("SMOKE_BASE_URL");
const domain = process.env["SMOKE_EMAIL_DOMAIN"] ?? "example.com";
const api = skillpath(base);

/** `data`, after checking the answer's status. */
function expect<T>(
  answer: { data?: T; error?: unknown; response: Response },
  status: number,
): T {
  assert.equal(
    answer.response.status,
    status,
    `${answer.response.url}: ${JSON.stringify(answer.error ?? answer.data)}`,
  );
  assert.ok(answer.data !== undefined, `${answer.response.url} answered no body`);
  return answer.data;
}

/** The problem of an error answer, after checking its status. */
function problem(
  answer: { error?: Schemas["Problem"]; response: Response },
  status: number,
): Schemas["Problem"] {
  assert.equal(answer.response.status, status, JSON.stringify(answer.error));
  assert.ok(answer.error, `a ${status} without a problem`);
  assert.equal(answer.error.status, status);
  return answer.error;
}

async function login(email: string, password: string): Promise<Tokens> {
  return expect(await api.POST("/auth/login", { body: { email, password } }), 200);
}

let admin: Skillpath | undefined;
/** The admin's session, logged in once. */
async function asAdmin(): Promise<Skillpath> {
  admin ??= signIn(
    skillpath(base),
    await login(setting("SMOKE_ADMIN_EMAIL"), setting("SMOKE_ADMIN_PASSWORD")),
  );
  return admin;
}

interface Person {
  account: Schemas["Account"];
  email: string;
  password: string;
}

/** Registers someone new; the admin verifies the address (nobody reads the mail here). */
async function register(name: string): Promise<Person> {
  const email = `client+${randomUUID()}@${domain}`;
  const password = `a passphrase ${randomUUID()}`;
  const account = expect(
    await api.POST("/auth/register", { body: { email, password, name } }),
    201,
  );
  const staff = await asAdmin();
  const verified = expect(
    await staff.PATCH("/auth/users/{user}", {
      params: { path: { user: account.id } },
      body: { email_verified: true },
    }),
    200,
  );
  assert.equal(verified.email_verified, true);
  return { account, email, password };
}

/** The first published course, and its page. */
async function firstCourse(client: Skillpath): Promise<Schemas["CourseView"]> {
  const listing = expect(await client.GET("/courses", { params: { query: { limit: 1 } } }), 200);
  const card = listing.items[0];
  assert.ok(card, "the catalog has a published course");
  return expect(
    await client.GET("/courses/{course}", { params: { path: { course: card.slug } } }),
    200,
  );
}

/** An approving review: every criterion of the rubric at its maximum, or passed. */
function fullMarks(rubric: Schemas["Rubric"]): Schemas["ReviewRequest"] {
  return {
    outcome: "approved",
    comment: "Approved through the typed client.",
    scores: (rubric.criteria ?? []).map((criterion) =>
      criterion.scoring === "pass_fail"
        ? { passed: true, comment: `${criterion.title}: passes.` }
        : { points: criterion.scoring.points, comment: `${criterion.title}: all there.` },
    ),
  };
}

test("a learner registers, learns a whole course and verifies the certificate", async () => {
  const person = await register("Client Learner");
  const tokens = await login(person.email, person.password);
  const me = signIn(skillpath(base), tokens);
  const account = expect(await me.GET("/auth/me"), 200);
  assert.equal(account.id, person.account.id);
  assert.equal(account.role, "learner");

  const refreshed = expect(
    await api.POST("/auth/refresh", { body: { refresh_token: tokens.refresh_token } }),
    200,
  );
  assert.notEqual(refreshed.refresh_token, tokens.refresh_token, "the refresh token rotates");
  Object.assign(tokens, refreshed);

  const course = await firstCourse(me);
  const found = expect(
    await me.GET("/search", { params: { query: { q: course.title, kind: "course" } } }),
    200,
  );
  assert.ok(found.items.some((hit) => hit.id === course.id), "search finds the course");

  const enrolled = expect(
    await me.POST("/me/enrollments", { body: { course_id: course.id } }),
    201,
  );
  assert.equal(enrolled.status, "active");
  const staff = await asAdmin();
  const lessons = course.outline.modules.flatMap((module) => module.lessons);
  for (const lesson of lessons) {
    const path = { course: course.id, lesson: lesson.id };
    if (!lesson.project) {
      expect(
        await me.PUT("/me/courses/{course}/lessons/{lesson}/completion", { params: { path } }),
        200,
      );
      continue;
    }
    const page = expect(await me.GET("/courses/{course}/lessons/{lesson}", { params: { path } }), 200);
    assert.ok(page.project, `${lesson.title} shows its project`);
    const kind = page.project.hand_in;
    const attempt = expect(
      await me.POST("/me/courses/{course}/projects/{lesson}/attempts", {
        params: { path },
        body: {
          ...(kind !== "deployment" && { repository_url: `https://github.com/client/${lesson.slug}` }),
          ...(kind !== "repository" && { deployment_url: `https://${lesson.slug}.client.example.org/` }),
        },
      }),
      201,
    );
    const at = { course: course.id, attempt: attempt.id };
    const claimed = await staff.POST("/courses/{course}/attempts/{attempt}/claim", {
      params: { path: at },
    });
    expect(claimed, 200);
    const etag = claimed.response.headers.get("etag");
    assert.ok(etag, "a claim answers the attempt's ETag");
    const reviewed = expect(
      await staff.POST("/courses/{course}/attempts/{attempt}/review", {
        params: { path: at, header: { "If-Match": etag } },
        body: fullMarks(page.project.rubric),
      }),
      200,
    );
    assert.equal(reviewed.status, "approved");
  }

  const progress = expect(
    await me.GET("/me/courses/{course}/progress", { params: { path: { course: course.id } } }),
    200,
  );
  assert.equal(progress.percent, 100);
  assert.ok(progress.certificate_id, "completing the course issued a certificate");
  const certificate = expect(
    await api.GET("/certificates/{certificate}", {
      params: { path: { certificate: progress.certificate_id } },
    }),
    200,
  );
  assert.equal(certificate.status, "valid");
  assert.equal(certificate.course_id, course.id);
  assert.equal(certificate.learner_name, "Client Learner");
  const mine = expect(await me.GET("/me/certificates"), 200);
  assert.deepEqual(
    mine.items.map((c) => c.id),
    [progress.certificate_id],
  );
});

test("an instructor writes a course, checks it is ready and publishes it", async () => {
  const person = await register("Client Instructor");
  const staff = await asAdmin();
  const promoted = expect(
    await staff.PATCH("/auth/users/{user}", {
      params: { path: { user: person.account.id } },
      body: { role: "instructor" },
    }),
    200,
  );
  assert.equal(promoted.role, "instructor");
  const me = signIn(skillpath(base), await login(person.email, person.password));

  const slug = `client-course-${randomUUID().slice(0, 8)}`;
  const created = expect(
    await me.POST("/courses", {
      body: {
        slug,
        title: "Caching in practice",
        summary: "Where a cache pays, and how to keep it honest.",
        description: "## What you learn\n\nCache-aside, TTLs and invalidation.",
        level: "intermediate",
        tags: ["caching"],
        seo: { meta_description: "A practical course on caching for backend developers." },
      },
    }),
    201,
  );
  const course = { course: created.id };
  const notReady = expect(await me.GET("/courses/{course}/readiness", { params: { path: course } }), 200);
  assert.equal(notReady.ready, false, "a course without lessons is not ready");

  const withModule = expect(
    await me.POST("/courses/{course}/modules", { params: { path: course }, body: { title: "Cache-aside" } }),
    201,
  );
  const module = withModule.outline.modules[0];
  assert.ok(module, "the new module is in the outline");
  expect(
    await me.POST("/courses/{course}/modules/{module}/lessons", {
      params: { path: { course: created.id, module: module.id } },
      body: {
        slug: `${slug}-intro`,
        title: "Why cache at all",
        body: "# Why cache\n\nLatency, cost and load.",
        duration_minutes: 10,
        preview: true,
      },
    }),
    201,
  );
  const ready = expect(await me.GET("/courses/{course}/readiness", { params: { path: course } }), 200);
  assert.deepEqual(ready, { ready: true, errors: [] });

  const published = expect(await me.POST("/courses/{course}/publish", { params: { path: course } }), 200);
  assert.equal(published.status, "published");
  const desk = expect(await me.GET("/workspace", { params: { query: { kind: "course" } } }), 200);
  assert.equal(desk.items[0]?.id, created.id, "the workspace lists the course first");
  const everyone = expect(await api.GET("/courses/{course}", { params: { path: { course: slug } } }), 200);
  assert.equal(everyone.title, "Caching in practice");
});

test("an admin lists the accounts and finds a new one", async () => {
  const person = await register("Client Listed");
  const staff = await asAdmin();
  let cursor: string | undefined;
  let found: Schemas["Account"] | undefined;
  for (let page = 0; page < 100 && !found; page += 1) {
    const listing = expect(
      await staff.GET("/auth/users", {
        params: { query: { limit: 100, ...(cursor !== undefined && { cursor }) } },
      }),
      200,
    );
    found = listing.items.find((account) => account.id === person.account.id);
    if (listing.next_cursor === null) {
      break;
    }
    cursor = listing.next_cursor;
  }
  assert.equal(found?.email, person.email.toLowerCase());
});

test("the errors a client handles: 401 then refresh, 412 then re-read, 422 fields, 429", async () => {
  // 401: an access token that no longer works; the session refreshes and sends it again.
  const person = await register("Client Errors");
  const tokens = await login(person.email, person.password);
  const before = tokens.refresh_token;
  tokens.access_token = "expired";
  const me = signIn(skillpath(base), tokens);
  expect(await me.GET("/auth/me"), 200);
  assert.notEqual(tokens.refresh_token, before, "the session refreshed its tokens");

  // 412: an edit against a version someone else moved past; read again, then edit.
  const staff = await asAdmin();
  const slug = `client-article-${randomUUID().slice(0, 8)}`;
  const article = expect(
    await staff.POST("/articles", {
      body: { slug, title: "Retries and idempotency", excerpt: "Retry safely." },
    }),
    201,
  );
  const path = { article: article.id };
  const etag = async () => {
    const read = await staff.GET("/articles/{article}", { params: { path } });
    const tag = read.response.headers.get("etag");
    assert.ok(tag, "an article's page has an ETag");
    return tag;
  };
  const edit = (tag: string, body: Schemas["ArticlePatch"]) =>
    staff.PATCH("/articles/{article}", { params: { path, header: { "If-Match": tag } }, body });
  const stale = await etag();
  expect(await edit(stale, { title: "Retries, idempotency and keys" }), 200);
  problem(await edit(stale, { excerpt: "Retry without fear." }), 412);
  expect(await edit(await etag(), { excerpt: "Retry without fear." }), 200);

  // 422: the invalid field named, with what is wrong with it.
  const invalid = problem(
    await staff.POST("/articles", { body: { slug: "Not A Slug", title: "Retries" } }),
    422,
  );
  const [error, ...others] = fieldErrors(invalid);
  assert.match(error ?? "", /^slug: /);
  assert.deepEqual(others, []);

  // 429: too many wrong passwords; the answer says when to try again.
  let limited: Response | undefined;
  for (let attempt = 0; attempt < 8 && !limited; attempt += 1) {
    const answer = await api.POST("/auth/login", {
      body: { email: person.email, password: "not the password" },
    });
    if (answer.response.status === 429) {
      limited = answer.response;
    } else {
      assert.equal(answer.response.status, 401);
    }
  }
  assert.ok(limited, "wrong passwords are rate-limited");
  const wait = Number(limited.headers.get("retry-after"));
  assert.ok(Number.isInteger(wait) && wait > 0, `Retry-After: ${wait}`);
});
