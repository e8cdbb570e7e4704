import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppContext } from '../../context.js';
import { AppError, BadRequestError, UnauthorizedError } from '../../errors.js';
import { createFlowtabMcpServer } from './service.js';

/** Headers the transport reads; the bearer token is not among them (it never leaves the viewer hook). */
const FORWARDED_HEADERS = ['accept', 'content-type', 'mcp-protocol-version', 'mcp-session-id', 'last-event-id', 'user-agent'];

class McpAuthenticationRequiredError extends UnauthorizedError {
  constructor(publicUrl: string) {
    super(
      `The Flowtab.Pro MCP server needs a personal access token: create one on your account page (${publicUrl}/account, section "API tokens for agents") ` +
        'or with POST /v1/tokens, and send it as "Authorization: Bearer ftp_…" (the client configurations are on the same page).',
    );
  }
}

class McpMethodNotAllowedError extends AppError {
  constructor(method: string) {
    super(405, 'method-not-allowed', 'Method not allowed', `${method} /mcp is not served: this MCP server is stateless (Streamable HTTP without sessions or a server-sent event stream). POST JSON-RPC messages to /mcp.`);
    this.headers = { allow: 'POST' };
  }
}

/**
 * `/mcp`: the Model Context Protocol over Streamable HTTP (SPEC §16), with the official SDK. Stateless: every POST
 * gets a new server and transport (the SDK's stateless pattern), so any API process can answer any request and there
 * is nothing to clean up; answers are plain JSON (no SSE stream: no tool here streams). The viewer hook has already
 * authenticated the caller (token or login; `tokenScope: 'per-operation'`: each tool checks its own scope).
 * Not in the OpenAPI document: it is one JSON-RPC endpoint, described by its own `tools/list` and `prompts/list`.
 */
export function mcpRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  // One validator for every request (the SDK would build an Ajv per server otherwise).
  const jsonSchemaValidator = new AjvJsonSchemaValidator();
  const challenge = `Bearer realm="Flowtab.Pro", error_description="Create a personal access token at ${ctx.config.publicUrl}/account"`;
  // RFC 6750: a 401 says how to authenticate, whatever refused the request (no token, or the viewer hook).
  const onSend = async (_request: FastifyRequest, reply: FastifyReply) => {
    if (reply.statusCode === 401 && !reply.hasHeader('www-authenticate')) reply.header('www-authenticate', challenge);
  };

  return async (app) => {
    app.post(
      '/mcp',
      {
        onSend,
        config: {
          tokenScope: 'per-operation',
          // Tokens have their own budget in the viewer hook; a login using /mcp gets the same, per session.
          rateLimit: {
            max: ctx.config.rateLimits.tokenPerMinute,
            timeWindow: 60_000,
            allowList: (request) => request.viewer?.scopes !== undefined,
            keyGenerator: (request) => (request.viewer?.sessionId ? `session:${request.viewer.sessionId}` : `ip:${request.ip}`),
          },
        },
        schema: { hide: true },
      },
      async (request, reply) => {
        const viewer = request.viewer;
        if (!viewer?.sessionId) throw new McpAuthenticationRequiredError(ctx.config.publicUrl);
        // JSON-RPC 2.0: an empty batch is an invalid request (the SDK would acknowledge it with a 202).
        if (Array.isArray(request.body) && request.body.length === 0) throw new BadRequestError('An empty JSON-RPC batch is not a request.');
        const server = createFlowtabMcpServer({ ctx, log: request.log, jsonSchemaValidator }, { ...viewer, sessionId: viewer.sessionId });
        const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
        try {
          await server.connect(transport);
          const response = await transport.handleRequest(toWebRequest(request, ctx.config.publicUrl), { parsedBody: request.body });
          const body = await response.text();
          reply.status(response.status);
          response.headers.forEach((value, name) => void reply.header(name, value));
          return reply.send(body === '' ? null : body);
        } finally {
          await transport.close();
          await server.close();
        }
      },
    );

    for (const method of ['GET', 'DELETE'] as const) {
      app.route({
        method,
        url: '/mcp',
        onSend,
        // A client probing for a stream with its token must hear 405 (no stream), not "tokens may not call this".
        config: { tokenScope: 'per-operation' },
        schema: { hide: true },
        handler: async () => {
          throw new McpMethodNotAllowedError(method);
        },
      });
    }
  };
}

/** The request as the SDK's web-standard transport reads it; the body is Fastify's parsed JSON (parsedBody). */
function toWebRequest(request: FastifyRequest, publicUrl: string): Request {
  const headers = new Headers();
  for (const name of FORWARDED_HEADERS) {
    const value = request.headers[name];
    if (typeof value === 'string') headers.set(name, value);
  }
  return new Request(`${publicUrl}/mcp`, { method: 'POST', headers });
}
