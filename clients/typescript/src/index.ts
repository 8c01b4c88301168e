// The skillpath API as typed calls: the types are generated from infra/openapi.yaml
// (openapi-typescript, into ./schema.ts: never edit it by hand) and the calls are
// openapi-fetch's, so a path, a parameter or a body the document does not describe is a type
// error, and so is reading a field a response does not have.

import createClient, { type Client, type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema.js";

export type { components, paths };
export type Schemas = components["schemas"];
export type Skillpath = Client<paths>;
export type Tokens = Schemas["Tokens"];
export type Problem = Schemas["Problem"];

/** A client of the API at `baseUrl` (e.g. `https://api.school.example`), without a session. */
export function skillpath(baseUrl: string): Skillpath {
  return createClient<paths>({ baseUrl });
}

/**
 * Signs `client`'s requests in as `tokens` (the answer of `POST /auth/login`), and keeps the
 * session going: a request answered 401 (its access token expired) refreshes the tokens once
 * (`POST /auth/refresh`: the refresh token is rotated) and is sent again with the new one.
 * `tokens` is updated in place, so the caller always holds the current pair.
 */
export function signIn(client: Skillpath, tokens: Tokens): Skillpath {
  const retries = new WeakMap<Request, Request>();
  const session: Middleware = {
    onRequest({ request }) {
      request.headers.set("Authorization", `Bearer ${tokens.access_token}`);
      retries.set(request, request.clone());
      return request;
    },
    async onResponse({ request, response }) {
      const retry = retries.get(request);
      if (response.status !== 401 || retry === undefined || isRefresh(request)) {
        return response;
      }
      const refreshed = await refresh(client, tokens.refresh_token);
      if (refreshed === undefined) {
        return response;
      }
      Object.assign(tokens, refreshed);
      retry.headers.set("Authorization", `Bearer ${tokens.access_token}`);
      return fetch(retry);
    },
  };
  client.use(session);
  return client;
}

function isRefresh(request: Request): boolean {
  return new URL(request.url).pathname.endsWith("/auth/refresh");
}

/** New tokens for `refreshToken`, or `undefined` when the session is over (401). */
async function refresh(client: Skillpath, refreshToken: string): Promise<Tokens | undefined> {
  const { data } = await client.POST("/auth/refresh", {
    body: { refresh_token: refreshToken },
  });
  return data;
}

/** The `errors` of a 422 problem as `field: message` lines. */
export function fieldErrors(problem: Problem | undefined): string[] {
  return (problem?.errors ?? []).map((e) => `${e.field}: ${e.message}`);
}
