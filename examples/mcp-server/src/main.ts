// `npx -y pnpm@10 --filter @tokenguard/example-mcp-server start [hono]`: the notes MCP server on
// http://localhost:3000/mcp (PORT), on Express or on Hono, with a local authorization server
// (from @tokenguard/testing) unless TOKENGUARD_ISSUER names a real one.
import { createAuthorizationServer } from '@tokenguard/testing';
import { startMcpServer } from './start.js';

const framework = process.argv.includes('hono') ? 'hono' : 'express';
const issuer = process.env.TOKENGUARD_ISSUER || undefined;
const as = issuer === undefined ? await createAuthorizationServer() : undefined;
const client = as?.registerClient({
  clientId: 'notes-app',
  scopes: ['notes:read', 'notes:write'],
  redirectUris: ['http://localhost:8090/callback'],
});
const mcp = await startMcpServer({
  framework,
  issuer: issuer ?? (as?.issuer as string),
  port: Number(process.env.PORT ?? 3000),
  host: 'localhost',
});
console.log(`MCP server (${framework}): ${mcp.url}`);
if (as !== undefined && client !== undefined) {
  console.log(`authorization server: ${as.issuer}`);
  console.log(
    `client: ${client.clientId} / ${client.clientSecret}, redirect ${client.redirectUris?.[0]}`,
  );
}
const stop = async () => {
  await mcp.close();
  await as?.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
