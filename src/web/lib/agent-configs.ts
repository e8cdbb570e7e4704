/**
 * Ready-to-paste configurations for MCP clients (SPEC §16), for the account page; docs/agents.md shows the same
 * blocks with placeholders. `token` is the token just created, or a placeholder to replace.
 */
export type AgentClient = 'claude-code' | 'claude-desktop' | 'cursor' | 'vscode' | 'generic';

export type AgentConfig = { client: AgentClient; label: string; where: string; language: 'shell' | 'json'; text: string };

export const TOKEN_PLACEHOLDER = 'ftp_YOUR_TOKEN';

export function agentConfigs(mcpUrl: string, token: string = TOKEN_PLACEHOLDER): AgentConfig[] {
  const bearer = `Bearer ${token}`;
  const json = (value: unknown) => JSON.stringify(value, null, 2);
  // mcp-remote refuses plain http unless told (a local development server).
  const allowHttp = mcpUrl.startsWith('http:') ? ['--allow-http'] : [];
  return [
    {
      client: 'claude-code',
      label: 'Claude Code',
      where: 'Run in a terminal (add --scope user to use it in every project).',
      language: 'shell',
      text: `claude mcp add --transport http flowtab ${mcpUrl} --header "Authorization: ${bearer}"`,
    },
    {
      client: 'claude-desktop',
      label: 'Claude Desktop',
      where: 'Settings → Developer → Edit Config (claude_desktop_config.json), then restart Claude. Needs Node.js: mcp-remote bridges to the URL.',
      language: 'json',
      text: json({
        mcpServers: {
          flowtab: {
            command: 'npx',
            args: ['-y', 'mcp-remote', mcpUrl, ...allowHttp, '--header', 'Authorization:${FLOWTAB_AUTH}'],
            env: { FLOWTAB_AUTH: bearer },
          },
        },
      }),
    },
    {
      client: 'cursor',
      label: 'Cursor',
      where: '~/.cursor/mcp.json (every project) or .cursor/mcp.json (one project).',
      language: 'json',
      text: json({ mcpServers: { flowtab: { url: mcpUrl, headers: { Authorization: bearer } } } }),
    },
    {
      client: 'vscode',
      label: 'VS Code',
      where: '.vscode/mcp.json in your workspace (or MCP: Open User Configuration).',
      language: 'json',
      text: json({ servers: { flowtab: { type: 'http', url: mcpUrl, headers: { Authorization: bearer } } } }),
    },
    {
      client: 'generic',
      label: 'Other MCP clients',
      where: 'Any client that speaks Streamable HTTP and can send a header. Some call the URL field "serverUrl" or the type "streamable-http".',
      language: 'json',
      text: json({ mcpServers: { flowtab: { type: 'http', url: mcpUrl, headers: { Authorization: bearer } } } }),
    },
  ];
}
