import {
  type OAuthClientProvider,
  UnauthorizedError,
} from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type {
  OAuthClientInformationMixed,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js';
import {
  type AuthorizationServer,
  createAuthorizationServer,
  createDpopKey,
  createDpopProof,
} from '@tokenguard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningMcpServer, startMcpServer } from '../src/start.js';

const REDIRECT = 'http://127.0.0.1:8090/callback';

/**
 * The MCP client's OAuth state, in memory: a pre-registered client, the PKCE verifier, the tokens,
 * and where the SDK sent the user (a browser would follow it; the test does).
 */
class TestProvider implements OAuthClientProvider {
  authorizationUrl: URL | undefined;
  #tokens: OAuthTokens | undefined;
  #verifier = '';
  constructor(private readonly client: OAuthClientInformationMixed) {}
  get redirectUrl() {
    return REDIRECT;
  }
  get clientMetadata() {
    return { redirect_uris: [REDIRECT], client_name: 'notes test client' };
  }
  clientInformation() {
    return this.client;
  }
  saveClientInformation() {}
  tokens() {
    return this.#tokens;
  }
  saveTokens(tokens: OAuthTokens) {
    this.#tokens = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(verifier: string) {
    this.#verifier = verifier;
  }
  codeVerifier() {
    return this.#verifier;
  }
}

/** The user agent's part: follow the authorization URL, read the code from the redirect. */
async function approve(url: URL | undefined): Promise<string> {
  if (url === undefined) throw new Error('the SDK did not ask for authorization');
  const res = await fetch(url, { redirect: 'manual' });
  const back = new URL(res.headers.get('location') ?? '');
  const code = back.searchParams.get('code');
  if (code === null) throw new Error(`no code: ${back.search}`);
  return code;
}

describe.each(['express', 'hono'] as const)('the notes MCP server on %s', (framework) => {
  let as: AuthorizationServer;
  let mcp: RunningMcpServer;
  let clientInfo: { client_id: string; client_secret: string };

  beforeAll(async () => {
    as = await createAuthorizationServer();
    const client = as.registerClient({
      clientId: 'notes-app',
      scopes: ['notes:read'], // the write scope is granted later, in the step-up test
      redirectUris: [REDIRECT],
    });
    clientInfo = { client_id: client.clientId, client_secret: client.clientSecret };
    mcp = await startMcpServer({ framework, issuer: as.issuer });
  });
  afterAll(async () => {
    await mcp?.close();
    await as?.close();
  });

  it('answers 401 with resource_metadata, and serves the metadata document', async () => {
    const res = await fetch(mcp.url, { method: 'POST', body: '{}' });
    expect(res.status).toBe(401);
    const metadataUrl = `${new URL(mcp.url).origin}/.well-known/oauth-protected-resource/mcp`;
    expect(res.headers.get('www-authenticate')).toBe(
      `Bearer resource_metadata="${metadataUrl}", DPoP algs="ES256 EdDSA", resource_metadata="${metadataUrl}"`,
    );
    const metadata = await (await fetch(metadataUrl)).json();
    expect(metadata).toEqual({
      resource: mcp.url,
      authorization_servers: [as.issuer],
      bearer_methods_supported: ['header'],
      scopes_supported: ['notes:read', 'notes:write'],
      dpop_signing_alg_values_supported: ['ES256', 'EdDSA'],
      resource_name: 'Notes',
    });
  });

  it('refuses a token issued for another resource (RFC 8707 audience)', async () => {
    const token = await as.mintAccessToken({ scope: 'notes:read' }); // aud: https://api.example.com
    const res = await fetch(mcp.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      error: 'invalid_token',
      error_description: 'The access token is invalid',
    });
  });

  it("the SDK's client follows the 401 to a token, calls tools, and steps up on 403", async () => {
    const provider = new TestProvider(clientInfo);
    const connect = async () => {
      const client = new Client({ name: 'notes-test', version: '1.0.0' });
      const transport = new StreamableHTTPClientTransport(new URL(mcp.url), {
        authProvider: provider,
      });
      await client.connect(transport);
      return { client, transport };
    };
    // 1. No token: 401 → RFC 9728 metadata → RFC 8414 metadata → authorization (PKCE, resource).
    const first = new StreamableHTTPClientTransport(new URL(mcp.url), { authProvider: provider });
    await expect(
      new Client({ name: 'notes-test', version: '1.0.0' }).connect(first),
    ).rejects.toThrow(UnauthorizedError);
    const asked = provider.authorizationUrl as URL;
    expect(asked.origin + asked.pathname).toBe(as.authorizationEndpoint);
    expect(asked.searchParams.get('resource')).toBe(mcp.url);
    expect(asked.searchParams.get('scope')).toBe('notes:read notes:write');
    expect(asked.searchParams.get('code_challenge_method')).toBe('S256');
    await first.finishAuth(await approve(asked));
    // The server granted what the client may have: notes:read, for this MCP server only.
    const token = provider.tokens()?.access_token as string;
    const claims = JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString());
    expect(claims).toMatchObject({ aud: mcp.url, scope: 'notes:read', sub: 'user-123' });

    // 2. With the token: the tools its scope allows.
    const { client } = await connect();
    const tools = await client.listTools();
    expect(tools.tools.map((t) => t.name).sort()).toEqual(['add_note', 'list_notes']);
    const listed = await client.callTool({ name: 'list_notes', arguments: {} });
    expect(listed.content).toEqual([{ type: 'text', text: expect.stringContaining('Buy milk') }]);

    // 3. A tool that needs notes:write: 403 insufficient_scope naming the scopes to request; the
    // SDK asks the user again, for exactly those.
    provider.authorizationUrl = undefined;
    await expect(client.callTool({ name: 'add_note', arguments: { text: 'x' } })).rejects.toThrow(
      UnauthorizedError,
    );
    const stepUp = provider.authorizationUrl as URL | undefined;
    expect(stepUp?.searchParams.get('scope')).toBe('notes:read notes:write');
    await client.close();

    // 4. The user may write now: approve, and the call goes through.
    as.registerClient({
      clientId: clientInfo.client_id,
      clientSecret: clientInfo.client_secret,
      scopes: ['notes:read', 'notes:write'],
      redirectUris: [REDIRECT],
    });
    const again = new StreamableHTTPClientTransport(new URL(mcp.url), { authProvider: provider });
    await again.finishAuth(await approve(stepUp));
    const upgraded = await connect();
    const added = await upgraded.client.callTool({
      name: 'add_note',
      arguments: { text: 'Call Bob' },
    });
    expect(added.isError).toBeFalsy();
    await upgraded.client.close();
  });

  it('shows the 403 an MCP client gets, with the scope to request', async () => {
    const token = await as.mintAccessToken({ aud: mcp.url, scope: 'notes:read' });
    const res = await fetch(mcp.url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'add_note', arguments: { text: 'x' } },
      }),
    });
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toContain(
      'error="insufficient_scope", error_description="The access token lacks the required scope", scope="notes:read notes:write"',
    );
  });

  it('accepts a DPoP-bound token with its proof (DPoP is optional)', async () => {
    const key = createDpopKey();
    const token = await as.mintAccessToken({
      aud: mcp.url,
      scope: 'notes:read',
      cnf: { jkt: key.thumbprint },
    });
    const proof = await createDpopProof({ key, htm: 'POST', htu: mcp.url, accessToken: token });
    const res = await fetch(mcp.url, {
      method: 'POST',
      headers: {
        authorization: `DPoP ${token}`,
        dpop: proof,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'list_notes', arguments: {} },
      }),
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Buy milk');
  });
});
